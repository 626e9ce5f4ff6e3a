// Conformance of decodePayload against fromBinary, shared by the payload
// decoder's tests.
import { type DescMessage, equals, fromBinary, isFieldSet, toBinary } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { expect } from "vitest";
import { decodePayload } from "../../src/codec/payload-decoder.js";
import { file_codec_editions } from "../gen/codec/editions_pb.js";
import { file_codec_proto2 } from "../gen/codec/proto2_pb.js";
import { file_codec_proto3 } from "../gen/codec/proto3_pb.js";
import { file_gorums } from "../gen/gorums_pb.js";
import { file_gostorage_go_storage } from "../gen/gostorage/go_storage_pb.js";
import { file_registry_registry } from "../gen/registry/registry_pb.js";
import { file_testsvc_testsvc } from "../gen/testsvc/testsvc_pb.js";
import { file_testtypes_types } from "../gen/testtypes/types_pb.js";
import { file_stream } from "../../src/gen/stream_pb.js";

/** Every message type of the test protos (and the runtime's envelope). */
export const allSchemas: DescMessage[] = [
  file_codec_proto3,
  file_codec_proto2,
  file_codec_editions,
  file_gorums,
  file_gostorage_go_storage,
  file_registry_registry,
  file_testsvc_testsvc,
  file_testtypes_types,
  file_stream,
].flatMap((file) => [...nestedTypes(file)].filter((t): t is DescMessage => t.kind === "message"));

/**
 * Asserts that decodePayload does with bytes what fromBinary does: both
 * throw an Error, or both return the same message (strictly equal, equal
 * for protobuf-es, the same prototype, the same fields set, the same
 * encoding). Returns whether the bytes decoded.
 */
export function expectSameDecode(schema: DescMessage, bytes: Uint8Array): boolean {
  let want: ReturnType<typeof fromBinary> | undefined;
  let wantErr: unknown;
  try {
    want = fromBinary(schema, bytes);
  } catch (err) {
    wantErr = err;
  }
  if (want === undefined) {
    expect(wantErr).toBeInstanceOf(Error);
    expect(() => decodePayload(schema, bytes)).toThrow(Error);
    return false;
  }
  const got = decodePayload(schema, bytes);
  expect(got).toStrictEqual(want);
  // equals() holds NaN unequal to NaN: got equals want where a second decode does.
  expect(equals(schema, got, want)).toBe(equals(schema, fromBinary(schema, bytes), want));
  expect(Object.getPrototypeOf(got)).toBe(Object.getPrototypeOf(want));
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const field of schema.fields) {
    expect(isFieldSet(got, field), field.name).toBe(isFieldSet(want, field));
  }
  expect(encodeOrError(schema, got)).toEqual(encodeOrError(schema, want));
  return true;
}

/** toBinary's bytes, or its error's message (a required field unset). */
function encodeOrError(schema: DescMessage, message: ReturnType<typeof fromBinary>): Uint8Array | string {
  try {
    return toBinary(schema, message);
  } catch (err) {
    return String(err);
  }
}
