import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { decoderSupports } from "../../src/codec/decode-support.js";
import { decodePayload } from "../../src/codec/payload-decoder.js";
import { FeaturesSchema } from "../gen/codec/editions_pb.js";
import { LegacySchema } from "../gen/codec/proto2_pb.js";
import { EchoSchema, MapsSchema, NestedSchema, RepeatedSchema, ScalarsSchema } from "../gen/codec/proto3_pb.js";
import { expectSameDecode } from "./payload-decoder-expect.js";
import { ClosedSchema, ParentSchema, StructuredSchema, WrappedInOneofSchema, WrappedSchema } from "./payload-decoder-schemas.js";

vi.mock("@bufbuild/protobuf", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@bufbuild/protobuf")>();
  return { ...actual, fromBinary: vi.fn(actual.fromBinary) };
});

const fromBinarySpy = vi.mocked(fromBinary);

/** How many times decodePayload calls fromBinary on these bytes. */
function fromBinaryCalls(schema: DescMessage, bytes: Uint8Array): number {
  expectSameDecode(schema, bytes);
  fromBinarySpy.mockClear();
  decodePayload(schema, bytes);
  return fromBinarySpy.mock.calls.length;
}

describe("decodePayload's fallback to fromBinary", () => {
  beforeEach(() => {
    fromBinarySpy.mockClear();
  });

  it("decides per schema, recursively, what it reads itself", () => {
    for (const s of [ScalarsSchema, RepeatedSchema, NestedSchema, MapsSchema, EchoSchema, ClosedSchema, WrappedInOneofSchema, LegacySchema, FeaturesSchema, WrappedSchema, ParentSchema]) {
      expect(decoderSupports(s), s.typeName).toBe(true);
    }
    for (const s of [StructuredSchema]) {
      expect(decoderSupports(s), s.typeName).toBe(false);
    }
  });

  it("reads supported types without fromBinary", () => {
    const bytes = toBinary(NestedSchema, create(NestedSchema, { child: { scalars: { fInt32: 1 } }, choice: { case: "cString", value: "x" } }));
    expect(fromBinaryCalls(NestedSchema, bytes)).toBe(0);
    expect(fromBinaryCalls(EchoSchema, toBinary(EchoSchema, create(EchoSchema, { id: 3n })))).toBe(0);
  });

  it("reads groups and delimited messages itself", () => {
    const legacy = toBinary(LegacySchema, create(LegacySchema, { id: 1n, pair: { a: 1, b: "b" }, level: 2 }));
    expect(fromBinaryCalls(LegacySchema, legacy)).toBe(0);
    const features = toBinary(FeaturesSchema, create(FeaturesSchema, { explicitInt: 0, delimited: { text: "t", delimited: {} }, expanded: [1, 2] }));
    expect(fromBinaryCalls(FeaturesSchema, features)).toBe(0);
  });

  it("reads wrappers itself, leaves Struct to fromBinary", () => {
    const wrapped = toBinary(WrappedSchema, create(WrappedSchema, { n: 5 } as never));
    expect(fromBinaryCalls(WrappedSchema, wrapped)).toBe(0);
    expect(fromBinaryCalls(ParentSchema, new Uint8Array([0x0a, 0x02, 0x0a, 0x00]))).toBe(0);
    expect(fromBinaryCalls(StructuredSchema, toBinary(StructuredSchema, create(StructuredSchema, { s: { a: 1 } } as never)))).toBe(1);
    expect(fromBinaryCalls(WrappedInOneofSchema, new Uint8Array([0x0a, 0x02, 0x08, 0x05]))).toBe(0);
  });

  it("falls back on a field with an unusual wire type, and decodes as fromBinary", () => {
    // Echo.id (a varint) with the tag of a fixed32: fromBinary reads a varint anyway.
    const w = new BinaryWriter();
    w.tag(2, WireType.Bit32).uint32(7).tag(3, WireType.LengthDelimited).string("k");
    expect(fromBinaryCalls(EchoSchema, w.finish())).toBe(1);
    // A singular message with the tag of a group (fromBinary reads it length-prefixed); a map entry value with the wrong wire type.
    expect(fromBinaryCalls(NestedSchema, new Uint8Array([(1 << 3) | WireType.StartGroup, 0]))).toBe(1);
    expect(fromBinaryCalls(MapsSchema, new Uint8Array([0x0a, 0x04, 0x0a, 0x00, 0x15, 0x00]))).toBe(1);
    // A group field with the tag of a length-prefixed message (fromBinary reads a group anyway).
    expect(fromBinaryCalls(LegacySchema, new Uint8Array([(7 << 3) | WireType.LengthDelimited, (7 << 3) | WireType.EndGroup]))).toBe(1);
  });
});
