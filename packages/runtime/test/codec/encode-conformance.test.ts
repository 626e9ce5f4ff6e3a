/**
 * The payload encoder against protobuf-es's toBinary, byte for byte, over
 * hand-picked edge values of every field shape of the codec test protos
 * (proto3, proto2, edition 2023), unknown fields and extensions, messages
 * from create() with partial init, and the runtime's other test protos.
 */
import { create, fromBinary, type Message, ScalarType, setExtension, toBinary } from "@bufbuild/protobuf";
import { AnySchema, EmptySchema, file_google_protobuf_timestamp, StructSchema, TimestampSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { encodePayload, encodesItself } from "../../src/codec/payload-encoder.js";
import { StatusSchema } from "../../src/gen/google/rpc/status_pb.js";
import { MessageSchema } from "../../src/gen/stream_pb.js";
import { FeaturesSchema } from "../gen/codec/editions_pb.js";
import { type Level, Legacy_PairSchema, LegacySchema, note } from "../gen/codec/proto2_pb.js";
import { type Color, EchoSchema, JsTypesSchema, MapsSchema, NestedSchema, OptionalsSchema, RepeatedSchema, ScalarsSchema } from "../gen/codec/proto3_pb.js";
import { ReadRequestSchema, ReadResponseSchema, WriteRequestSchema } from "../gen/gostorage/go_storage_pb.js";
import { Lookup_ChangeSchema, LookupSchema } from "../gen/registry/registry_pb.js";
import { RequestSchema } from "../gen/testsvc/testsvc_pb.js";
import { Entry_VersionSchema, EntrySchema } from "../gen/testtypes/types_pb.js";
import { edgeValues, expectSameBytes, hex, STRINGS } from "./encode-helpers.js";

function set(m: Message, name: string, value: unknown): Message {
  (m as unknown as Record<string, unknown>)[name] = value;
  return m;
}

describe("encodePayload: the bytes toBinary writes", () => {
  it("writes every scalar type at its edge values, each field alone", () => {
    let n = 0;
    for (const field of ScalarsSchema.fields) {
      const type = field.fieldKind === "enum" ? ScalarType.INT32 : (field.scalar as ScalarType);
      for (const v of edgeValues(type)) {
        expectSameBytes(ScalarsSchema, set(create(ScalarsSchema), field.localName, v));
        n++;
      }
    }
    expect(n).toBeGreaterThan(200);
  });

  it("skips zero values with implicit presence as protobuf-es does: -0 and NaN are written, 0n and \"\" are not", () => {
    const zero = create(ScalarsSchema);
    expect(encodePayload(ScalarsSchema, zero).length).toBe(0);
    expect(hex(encodePayload(ScalarsSchema, create(ScalarsSchema, { fDouble: -0 })))).toBe("090000000000000080");
    expect(hex(encodePayload(ScalarsSchema, create(ScalarsSchema, { fFloat: -0 })))).toBe("1500000080");
    expect(encodePayload(ScalarsSchema, create(ScalarsSchema, { fDouble: Number.NaN })).length).toBe(9);
    expect(encodePayload(ScalarsSchema, create(ScalarsSchema, { fInt64: 0n, fBytes: new Uint8Array(0), fEnum: 0 })).length).toBe(0);
    for (const m of [create(ScalarsSchema, { fDouble: -0, fFloat: -0 }), create(ScalarsSchema, { fInt32: -1, fSint32: -1, fSint64: -1n })]) {
      expectSameBytes(ScalarsSchema, m);
    }
  });

  it("writes explicitly present zero values (proto3 optional), and nothing for unset ones", () => {
    expect(encodePayload(OptionalsSchema, create(OptionalsSchema)).length).toBe(0);
    const zeros = create(OptionalsSchema, { oInt32: 0, oString: "", oBytes: new Uint8Array(0), oBool: false, oEnum: 0, oInt64: 0n, oDouble: -0 });
    expectSameBytes(OptionalsSchema, zeros);
    expect(encodePayload(OptionalsSchema, zeros).length).toBe(2 + 2 + 2 + 2 + 2 + 2 + 9);
    expectSameBytes(OptionalsSchema, create(OptionalsSchema, { oInt32: -(2 ** 31), oString: "é", oInt64: -(2n ** 63n), oDouble: Number.NaN }));
    const cleared = create(OptionalsSchema, { oInt32: 5 });
    cleared.oInt32 = undefined;
    expect(encodePayload(OptionalsSchema, cleared).length).toBe(0);
  });

  it("writes strings as UTF-8, a lone surrogate as U+FFFD, as protobuf-es does", () => {
    for (const s of STRINGS) {
      expectSameBytes(ScalarsSchema, create(ScalarsSchema, { fString: s, fFar: s }));
      expectSameBytes(RepeatedSchema, create(RepeatedSchema, { rString: [s, s, ""] }));
    }
    expect(hex(encodePayload(ScalarsSchema, create(ScalarsSchema, { fString: "\ud800" })))).toBe("4a03efbfbd");
    expect(hex(encodePayload(ScalarsSchema, create(ScalarsSchema, { fString: "𝄞" })))).toBe("4a04f09d849e");
    // Long strings, past one-byte and two-byte length prefixes.
    for (const n of [1000, 20_000, 3_000_000]) {
      expectSameBytes(ScalarsSchema, create(ScalarsSchema, { fString: "ab€𝄞\ud800".repeat(n / 5) }));
    }
  });

  it("writes empty and large bytes, and the three-byte tag of field 5000", () => {
    for (const n of [0, 1, 32, 33, 127, 128, 16_383, 16_384, 1 << 20]) {
      expectSameBytes(ScalarsSchema, create(ScalarsSchema, { fBytes: new Uint8Array(n).fill(0xa5) }));
    }
    // Buffer and subarray views: their own bytes only.
    const big = Buffer.from("0123456789abcdef");
    expectSameBytes(EchoSchema, create(EchoSchema, { payload: big.subarray(3, 9) }));
    expect(hex(encodePayload(ScalarsSchema, create(ScalarsSchema, { fFar: "x" })))).toBe("c2b8020178");
  });

  it("writes repeated fields packed and expanded, empty, short and long", () => {
    expect(encodePayload(RepeatedSchema, create(RepeatedSchema)).length).toBe(0);
    const lists = (n: number) =>
      create(RepeatedSchema, {
        rInt32: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -i : i * 1000)),
        rInt64: Array.from({ length: n }, (_, i) => BigInt(i) * -(2n ** 40n)),
        rDouble: Array.from({ length: n }, (_, i) => (i % 2 ? -0 : i / 3)),
        rFloat: Array.from({ length: n }, (_, i) => i * 0.25),
        rBool: Array.from({ length: n }, (_, i) => i % 2 === 0),
        rEnum: Array.from({ length: n }, (_, i) => i % 4),
        rFixed32: Array.from({ length: n }, (_, i) => 2 ** 32 - 1 - i),
        rSint64: Array.from({ length: n }, (_, i) => BigInt(i) - 5n),
        rString: Array.from({ length: n }, (_, i) => "s".repeat(i % 7)),
        rBytes: Array.from({ length: n }, (_, i) => new Uint8Array(i % 5)),
        rMessage: Array.from({ length: n }, (_, i) => create(ScalarsSchema, { fInt32: i })),
        rUnpacked: Array.from({ length: n }, (_, i) => i * 129),
        rSfixed64: Array.from({ length: n }, (_, i) => -BigInt(i)),
        rUint64: Array.from({ length: n }, (_, i) => 2n ** 64n - 1n - BigInt(i)),
      });
    for (const n of [0, 1, 2, 17, 200, 5000]) {
      expectSameBytes(RepeatedSchema, lists(n));
    }
    // Zero values are written in lists.
    expectSameBytes(RepeatedSchema, create(RepeatedSchema, { rInt32: [0], rString: [""], rBytes: [new Uint8Array(0)], rMessage: [{}], rUnpacked: [0] }));
  });

  it("writes nested and recursive messages, empty ones included", () => {
    expectSameBytes(NestedSchema, create(NestedSchema, { scalars: {}, child: {} }));
    let deep = create(NestedSchema, { scalars: { fString: "leaf" } });
    for (let i = 0; i < 60; i++) {
      deep = create(NestedSchema, { child: deep, children: i % 10 === 0 ? [deep, create(NestedSchema)] : [] });
    }
    expectSameBytes(NestedSchema, deep);
    // A child past 127 and 16383 bytes: two- and three-byte length prefixes.
    for (const n of [127, 200, 20_000]) {
      expectSameBytes(NestedSchema, create(NestedSchema, { child: { scalars: { fBytes: new Uint8Array(n) } }, children: [{ scalars: { fString: "é".repeat(n) } }] }));
    }
  });

  it("writes each oneof case, zero values included, and nothing for none", () => {
    const cases: Message[] = [
      create(NestedSchema, { choice: { case: "cInt32", value: 0 } }),
      create(NestedSchema, { choice: { case: "cInt32", value: -1 } }),
      create(NestedSchema, { choice: { case: "cString", value: "" } }),
      create(NestedSchema, { choice: { case: "cString", value: "😀" } }),
      create(NestedSchema, { choice: { case: "cMessage", value: {} } }),
      create(NestedSchema, { choice: { case: "cMessage", value: { fUint64: 2n ** 64n - 1n } } }),
      create(NestedSchema, { choice: { case: "cBytes", value: new Uint8Array(0) } }),
      create(NestedSchema, { choice: { case: "cEnum", value: 0 } }),
      create(NestedSchema, { choice: { case: "cEnum", value: 77 as Color } }),
      create(NestedSchema, { other: { case: "oUint64", value: 0n }, choice: { case: "cInt32", value: 3 } }),
      create(NestedSchema, { choice: { case: undefined } }),
    ];
    for (const m of cases) {
      expectSameBytes(NestedSchema, m);
    }
    expect(hex(encodePayload(NestedSchema, cases[0] as never))).toBe("1800");
  });

  it("writes map entries as protobuf-es does, default keys and values included", () => {
    const maps = [
      create(MapsSchema, { stringInt32: { "": 0 } }),
      create(MapsSchema, { stringInt32: { a: 1, "": -1, "é": 2 ** 31 - 1, "10": 3, "2": 4 } }),
      create(MapsSchema, { int64Message: { "0": {} } }),
      create(MapsSchema, { int64Message: { "-1": { fString: "x" }, "9223372036854775807": {}, "-9223372036854775808": { child: undefined } as never } }),
      create(MapsSchema, { boolString: { false: "", true: "yes" } }),
      create(MapsSchema, { stringInt32: { k: 0 }, int64Message: { "5": { fDouble: -0 } }, boolString: { true: "" } }),
    ];
    for (const m of maps) {
      expectSameBytes(MapsSchema, m);
    }
    // The entry of {"": 0}: key "" and value 0, both written.
    expect(hex(encodePayload(MapsSchema, maps[0] as never))).toBe("0a040a001000");
    // A map of 300 entries, and a value past 127 bytes.
    const many: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      many[`key${i}`] = i * 7919 - 1000;
    }
    expectSameBytes(MapsSchema, create(MapsSchema, { stringInt32: many, int64Message: { "7": { fBytes: new Uint8Array(300) } } }));
  });

  it("writes 64-bit fields held as strings (jstype = JS_STRING) and as bigints (JS_NUMBER)", () => {
    expect(JsTypesSchema.field.sInt64).toMatchObject({ longAsString: true });
    for (const v of edgeValues(ScalarType.INT64, true) as string[]) {
      expectSameBytes(JsTypesSchema, create(JsTypesSchema, { sInt64: v, nInt64: BigInt(v) }));
    }
    for (const v of edgeValues(ScalarType.UINT64, true) as string[]) {
      expectSameBytes(JsTypesSchema, create(JsTypesSchema, { sUint64: v, sFixed64: [v, "0", v] }));
    }
    expect(encodePayload(JsTypesSchema, create(JsTypesSchema, { sInt64: "0", sUint64: "0" })).length).toBe(0);
  });

  it("writes proto2: defaults only when set, required fields, groups, closed enums, packed and unpacked lists", () => {
    const defaults = create(LegacySchema, { id: 0n });
    // Defaults live on the prototype: not written.
    expect(defaults.withDefault).toBe(7);
    expectSameBytes(LegacySchema, defaults);
    expect(hex(encodePayload(LegacySchema, defaults))).toBe("1800");
    // Set to their default values: own properties, written.
    expectSameBytes(LegacySchema, create(LegacySchema, { id: 1n, withDefault: 7, name: "none", blob: new TextEncoder().encode("abc"), level: 1 }));
    expectSameBytes(LegacySchema, create(LegacySchema, { id: 2n ** 64n - 1n, pair: {}, unpacked: [1, -1, 0], packed: [1, -1, 0], level: 5 as Level }));
    expectSameBytes(LegacySchema, create(LegacySchema, { id: 3n, pair: { a: 0, b: "" } }));
    expectSameBytes(Legacy_PairSchema, create(Legacy_PairSchema, { a: -5, b: "b" }));
    // The group: start tag (7, 3), fields, end tag (7, 4).
    expect(hex(encodePayload(LegacySchema, create(LegacySchema, { id: 0n, pair: { a: 1 } })))).toBe("18003b40013c");
  });

  it("writes extensions (kept in $unknown) and unknown fields as they are", () => {
    const legacy = create(LegacySchema, { id: 9n });
    setExtension(legacy, note, "an extension");
    expect(legacy.$unknown?.length).toBe(1);
    expectSameBytes(LegacySchema, legacy);
    // Scalars' bytes read as Echo (fields 4 on): all unknown.
    const scalars = toBinary(
      ScalarsSchema,
      create(ScalarsSchema, { fUint64: 4n, fInt32: 5, fFixed64: 6n, fFixed32: 7, fBool: true, fString: "s", fBytes: new Uint8Array([1]), fSint64: -9n, fFar: "far" }),
    );
    const echo = fromBinary(EchoSchema, scalars);
    expect(echo.$unknown?.length).toBeGreaterThan(5);
    expectSameBytes(EchoSchema, echo);
    // Hand-made, on a nested message and an empty one; after the known fields.
    const nested = create(NestedSchema, { child: { scalars: { fInt32: 1 } }, choice: { case: "cInt32", value: 2 } });
    (nested.child as Message).$unknown = [
      { no: 99, wireType: 2, data: new Uint8Array([3, 1, 2, 3]) },
      { no: 536_870_911, wireType: 0, data: new Uint8Array([0]) },
    ];
    nested.$unknown = [{ no: 1, wireType: 5, data: new Uint8Array([1, 2, 3, 4]) }];
    expectSameBytes(NestedSchema, nested);
    const empty = create(EmptySchema);
    empty.$unknown = [{ no: 7, wireType: 1, data: new Uint8Array(8) }];
    expectSameBytes(EmptySchema, empty);
    // A message of another type in a field-less type: protobuf-es writes it (no ForeignFieldError without fields).
    expectSameBytes(EmptySchema, create(EchoSchema, { key: "x" }) as unknown as Message);
  });

  it("writes messages built with create() and partial init, and plain objects", () => {
    for (const schema of [ScalarsSchema, OptionalsSchema, RepeatedSchema, NestedSchema, MapsSchema, JsTypesSchema, EchoSchema, FeaturesSchema, EntrySchema]) {
      expectSameBytes(schema, create(schema));
      expectSameBytes(schema, create(schema, {}));
    }
    expectSameBytes(NestedSchema, create(NestedSchema, { child: { child: {} }, children: [{ scalars: { fBool: true } }] }));
    expectSameBytes(EchoSchema, create(EchoSchema, { id: 1n }));
    // Not from create(): what toBinary reads, a $typeName and the fields.
    const plain = { $typeName: "codec.Echo", payload: new Uint8Array([1, 2]), id: 5n, key: "k" } as Message;
    expectSameBytes(EchoSchema, plain);
  });

  it("writes edition 2023 fields: explicit and implicit presence, delimited messages, expanded lists", () => {
    expectSameBytes(FeaturesSchema, create(FeaturesSchema));
    expectSameBytes(FeaturesSchema, create(FeaturesSchema, { explicitInt: 0, implicitInt: 0 }));
    expect(hex(encodePayload(FeaturesSchema, create(FeaturesSchema, { explicitInt: 0, implicitInt: 0 })))).toBe("0800");
    const f = create(FeaturesSchema, {
      explicitInt: -1,
      implicitInt: 5,
      delimited: { delimited: { text: "deep", expanded: [1] }, packed: [1, 2, 3] },
      expanded: [0, -1, 300],
      packed: [0, -1, 300],
      text: "",
    });
    expectSameBytes(FeaturesSchema, f);
  });

  it("writes the runtime's other test protos, the envelope and well-known types", () => {
    const entry = create(EntrySchema, {
      key: "k",
      version: { counter: 3n, writer: "w" },
      kind: 2,
      history: [{ counter: 1n }, {}],
      labels: { a: "b", "": "" },
      payload: { case: "data", value: new Uint8Array([1]) },
    });
    const samples: [Parameters<typeof expectSameBytes>[0], Message][] = [
      [EntrySchema, entry],
      [Entry_VersionSchema, create(Entry_VersionSchema, { counter: 2n ** 63n })],
      [LookupSchema, create(LookupSchema, { key: "x" })],
      [Lookup_ChangeSchema, create(Lookup_ChangeSchema, { node: 1, step: 2, entry })],
      [RequestSchema, create(RequestSchema, { value: "v", num: -1n })],
      [ReadRequestSchema, create(ReadRequestSchema, { key: "k" })],
      [ReadResponseSchema, create(ReadResponseSchema, { OK: true, value: "v", time: { seconds: 5n, nanos: 6 } })],
      [WriteRequestSchema, create(WriteRequestSchema, { key: "k", value: "v", time: create(TimestampSchema, { seconds: -1n }) })],
      [MessageSchema, create(MessageSchema, { messageSeqNo: 1n << 63n, method: "a.B.C", payload: new Uint8Array(5), entry: [{ key: "k", value: "v" }], status: { code: -1, message: "m", details: [{ typeUrl: "t", value: new Uint8Array(2) }] } })],
      [StatusSchema, create(StatusSchema, { code: 5, details: [create(AnySchema, {})] })],
      [StructSchema, create(StructSchema, { fields: { a: { kind: { case: "numberValue", value: 1.5 } }, b: { kind: { case: "structValue", value: { fields: {} } } } } })],
      [ValueSchema, create(ValueSchema, { kind: { case: "listValue", value: { values: [{ kind: { case: "nullValue", value: 0 } }, { kind: { case: "boolValue", value: false } }] } } })],
    ];
    for (const [schema, m] of samples) {
      expect(encodesItself(schema), schema.typeName).toBe(true);
      expectSameBytes(schema, m);
    }
    expect(file_google_protobuf_timestamp.messages[0]).toBe(TimestampSchema);
  });

  it("returns a buffer of its own: a later encode does not change an earlier result", () => {
    const a = create(EchoSchema, { payload: new Uint8Array(16).fill(1), id: 1n, key: "a" });
    const b = create(EchoSchema, { payload: new Uint8Array(16).fill(2), id: 2n, key: "b" });
    const first = encodePayload(EchoSchema, a);
    const copy = hex(first);
    for (let i = 0; i < 1000; i++) {
      encodePayload(EchoSchema, b);
    }
    expect(hex(first)).toBe(copy);
    expect(hex(first)).toBe(hex(toBinary(EchoSchema, a)));
  });
});
