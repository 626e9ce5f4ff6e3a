/**
 * The payload encoder against toBinary over seeded random messages of
 * every test schema: fields set or not, edge values half of the time,
 * lists, maps, oneofs, nested messages to depth 3, unknown fields.
 */
import type { DescMessage } from "@bufbuild/protobuf";
import { AnySchema, DurationSchema, StructSchema, TimestampSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { encodesItself } from "../../src/codec/payload-encoder.js";
import { StatusSchema } from "../../src/gen/google/rpc/status_pb.js";
import { MessageSchema } from "../../src/gen/stream_pb.js";
import { FeaturesSchema } from "../gen/codec/editions_pb.js";
import { LegacySchema } from "../gen/codec/proto2_pb.js";
import { EchoSchema, JsTypesSchema, MapsSchema, NestedSchema, OptionalsSchema, RepeatedSchema, ScalarsSchema } from "../gen/codec/proto3_pb.js";
import { ReadResponseSchema, WriteRequestSchema } from "../gen/gostorage/go_storage_pb.js";
import { Lookup_ChangeSchema } from "../gen/registry/registry_pb.js";
import { RequestSchema } from "../gen/testsvc/testsvc_pb.js";
import { EntrySchema } from "../gen/testtypes/types_pb.js";
import { prng } from "../helpers/prng.js";
import { expectSameBytes, randomMessage } from "./encode-helpers.js";

const SCHEMAS: [DescMessage, number][] = [
  [ScalarsSchema, 600],
  [OptionalsSchema, 300],
  [RepeatedSchema, 400],
  [NestedSchema, 500],
  [MapsSchema, 400],
  [JsTypesSchema, 300],
  [EchoSchema, 300],
  [LegacySchema, 400],
  [FeaturesSchema, 400],
  [EntrySchema, 200],
  [Lookup_ChangeSchema, 100],
  [RequestSchema, 100],
  [ReadResponseSchema, 100],
  [WriteRequestSchema, 100],
  [MessageSchema, 200],
  [StatusSchema, 100],
  [AnySchema, 50],
  [TimestampSchema, 50],
  [DurationSchema, 50],
  [StructSchema, 100],
  [ValueSchema, 100],
];

describe("encodePayload over random messages", () => {
  it.each(SCHEMAS.map(([schema, n], i) => ({ name: schema.typeName, schema, n, seed: 1000 + i })))(
    "writes what toBinary writes for $n random $name messages",
    ({ schema, n, seed }) => {
      expect(encodesItself(schema)).toBe(true);
      const r = prng(seed);
      for (let i = 0; i < n; i++) {
        expectSameBytes(schema, randomMessage(schema, r));
      }
    },
  );

  it("covers a few thousand messages in all", () => {
    expect(SCHEMAS.reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThanOrEqual(4000);
  });
});
