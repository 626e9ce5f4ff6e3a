/**
 * Where the payload encoder leaves the work to toBinary, and where it
 * throws: message types it does not compile (Struct fields, in the type or
 * in a type it reaches, cycles included) fall back whole, with toBinary's
 * bytes; values of other JavaScript types go to toBinary, which writes what
 * it writes for them or throws; and it throws wherever toBinary throws. Also the map key types no committed test proto has,
 * from a descriptor built here.
 */
import { create, createFileRegistry, type DescMessage, type Message, ScalarType, toBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  file_google_protobuf_struct,
  file_google_protobuf_wrappers,
  StructSchema,
} from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { encodePayload, encodesItself } from "../../src/codec/payload-encoder.js";
import { LegacySchema } from "../gen/codec/proto2_pb.js";
import { EchoSchema, JsTypesSchema, MapsSchema, NestedSchema, OptionalsSchema, RepeatedSchema, ScalarsSchema } from "../gen/codec/proto3_pb.js";
import { RequestSchema, ResponseSchema } from "../gen/testsvc/testsvc_pb.js";
import { prng } from "../helpers/prng.js";
import { edgeValues, expectSameBytes, expectSameOutcome, randomMessage } from "./encode-helpers.js";

// ------------------------------------------------ a descriptor built here

function field(name: string, number: number, type: Type, extra: { typeName?: string; label?: Label; oneofIndex?: number } = {}) {
  return create(FieldDescriptorProtoSchema, { name, number, type, label: extra.label ?? Label.OPTIONAL, ...extra });
}

function message(name: string, fields: ReturnType<typeof field>[], nested: DescriptorProto[] = [], oneofs: string[] = []): DescriptorProto {
  return create(DescriptorProtoSchema, { name, field: fields, nestedType: nested, oneofDecl: oneofs.map((n) => ({ name: n })) });
}

const TYPE_OF: Partial<Record<ScalarType, Type>> = {
  [ScalarType.INT32]: Type.INT32,
  [ScalarType.UINT32]: Type.UINT32,
  [ScalarType.SINT32]: Type.SINT32,
  [ScalarType.FIXED32]: Type.FIXED32,
  [ScalarType.SFIXED32]: Type.SFIXED32,
  [ScalarType.INT64]: Type.INT64,
  [ScalarType.UINT64]: Type.UINT64,
  [ScalarType.SINT64]: Type.SINT64,
  [ScalarType.FIXED64]: Type.FIXED64,
  [ScalarType.SFIXED64]: Type.SFIXED64,
  [ScalarType.BOOL]: Type.BOOL,
  [ScalarType.STRING]: Type.STRING,
};

/** A map field of `parent` named `name` and its entry type. */
function map(parent: string, name: string, number: number, key: Type, value: Type, valueTypeName?: string) {
  const entry = `${name[0]?.toUpperCase()}${name.slice(1)}Entry`;
  const entryType = message(entry, [field("key", 1, key), field("value", 2, value, valueTypeName === undefined ? {} : { typeName: valueTypeName })]);
  entryType.options = { mapEntry: true } as never;
  return { field: field(name, number, Type.MESSAGE, { label: Label.REPEATED, typeName: `.codecx.${parent}.${entry}` }), entry: entryType };
}

const mapKeys = [
  map("MapKeys", "k_int32", 1, Type.INT32, Type.INT32),
  map("MapKeys", "k_uint32", 2, Type.UINT32, Type.ENUM, ".codecx.Shade"),
  map("MapKeys", "k_sint32", 3, Type.SINT32, Type.BYTES),
  map("MapKeys", "k_fixed32", 4, Type.FIXED32, Type.DOUBLE),
  map("MapKeys", "k_sfixed32", 5, Type.SFIXED32, Type.FLOAT),
  map("MapKeys", "k_uint64", 6, Type.UINT64, Type.STRING),
  map("MapKeys", "k_sint64", 7, Type.SINT64, Type.BOOL),
  map("MapKeys", "k_fixed64", 8, Type.FIXED64, Type.UINT64),
  map("MapKeys", "k_sfixed64", 9, Type.SFIXED64, Type.SINT64),
  map("MapKeys", "k_string", 10, Type.STRING, Type.MESSAGE, ".codecx.MapKeys"),
];

const file = create(FileDescriptorProtoSchema, {
  name: "codecx.proto",
  package: "codecx",
  syntax: "proto3",
  dependency: ["google/protobuf/wrappers.proto", "google/protobuf/struct.proto"],
  enumType: [{ name: "Shade", value: [{ name: "SHADE_ZERO", number: 0 }, { name: "SHADE_ONE", number: 1 }] }],
  messageType: [
    message(
      "MapKeys",
      mapKeys.map((m) => m.field),
      mapKeys.map((m) => m.entry),
    ),
    message("Wrapped", [field("w", 1, Type.MESSAGE, { typeName: ".google.protobuf.Int32Value" }), field("n", 2, Type.INT32)]),
    message(
      "WrappedElsewhere",
      [
        field("s", 1, Type.MESSAGE, { typeName: ".google.protobuf.StringValue", oneofIndex: 0 }),
        field("list", 2, Type.MESSAGE, { typeName: ".google.protobuf.BoolValue", label: Label.REPEATED }),
      ],
      [],
      ["o"],
    ),
    message("WithStruct", [field("s", 1, Type.MESSAGE, { typeName: ".google.protobuf.Struct" })]),
    message("Outer", [field("inner", 1, Type.MESSAGE, { typeName: ".codecx.Wrapped" }), field("name", 2, Type.STRING)]),
    message("CycleA", [field("b", 1, Type.MESSAGE, { typeName: ".codecx.CycleB" }), field("x", 2, Type.INT32)]),
    message("CycleB", [field("a", 1, Type.MESSAGE, { typeName: ".codecx.CycleA" }), field("s", 2, Type.MESSAGE, { typeName: ".google.protobuf.Struct" })]),
    message("WithValue", [field("v", 1, Type.MESSAGE, { typeName: ".google.protobuf.Value" }), field("l", 2, Type.MESSAGE, { typeName: ".google.protobuf.ListValue" })]),
  ],
});

const registry = createFileRegistry(file, (name) =>
  name === "google/protobuf/wrappers.proto" ? file_google_protobuf_wrappers : name === "google/protobuf/struct.proto" ? file_google_protobuf_struct : undefined,
);

/** proto2 required fields in nested messages. */
const proto2 = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "codecx2.proto",
    package: "codecx2",
    syntax: "proto2",
    messageType: [
      message("Req", [field("r", 1, Type.INT32, { label: Label.REQUIRED })]),
      message("HasReq", [field("req", 1, Type.MESSAGE, { typeName: ".codecx2.Req" }), field("reqs", 2, Type.MESSAGE, { typeName: ".codecx2.Req", label: Label.REPEATED })]),
    ],
  }),
  () => undefined,
);

function schema(name: string): DescMessage {
  const desc = registry.getMessage(`codecx.${name}`);
  if (desc === undefined) {
    throw new Error(`no codecx.${name}`);
  }
  return desc;
}

function msg(desc: DescMessage, init: Record<string, unknown>): Message {
  return create(desc, init as never) as Message;
}

// -------------------------------------------------------------------- tests

describe("encodePayload's fallback to toBinary", () => {
  it("falls back, whole, for a Struct field, in the type or one it reaches, cycles included", () => {
    // CycleA is asked first: it reaches CycleB's Struct field through a cycle.
    for (const name of ["CycleA", "CycleB", "WithStruct"]) {
      expect(encodesItself(schema(name)), name).toBe(false);
    }
    const cases: [string, Record<string, unknown>][] = [
      ["WithStruct", { s: { a: 1, b: [true, null, "x"], c: { d: {} } } }],
      ["CycleA", { x: 1, b: { a: { x: 2 }, s: { k: "v" } } }],
      ["CycleB", { a: { b: {} } }],
    ];
    for (const [name, init] of cases) {
      expectSameBytes(schema(name), msg(schema(name), init), "toBinary");
    }
  });

  it("writes a singular wrapper field itself, in the type or one it reaches (encode-wrappers.test.ts has every wrapper type)", () => {
    for (const name of ["Wrapped", "Outer"]) {
      expect(encodesItself(schema(name)), name).toBe(true);
    }
    const cases: [string, Record<string, unknown>][] = [
      ["Wrapped", { w: 5, n: 1 }],
      ["Wrapped", { w: 0 }],
      ["Wrapped", {}],
      ["Outer", { inner: { w: -1 }, name: "n" }],
    ];
    for (const [name, init] of cases) {
      expectSameBytes(schema(name), msg(schema(name), init));
    }
  });

  it("writes wrappers in a oneof or a list, and Value and ListValue fields, itself: they are messages there", () => {
    const wrapped = schema("WrappedElsewhere");
    expect(encodesItself(wrapped)).toBe(true);
    expect(encodesItself(schema("WithValue"))).toBe(true);
    expect(encodesItself(StructSchema)).toBe(true);
    expectSameBytes(wrapped, msg(wrapped, { o: { case: "s", value: { value: "" } }, list: [{ value: true }, {}] }));
    const withValue = schema("WithValue");
    expectSameBytes(withValue, msg(withValue, { v: { kind: { case: "structValue", value: { fields: { a: { kind: { case: "stringValue", value: "x" } } } } } }, l: { values: [{}] } }));
    const r = prng(7);
    for (let i = 0; i < 200; i++) {
      expectSameBytes(wrapped, randomMessage(wrapped, r));
      expectSameBytes(withValue, randomMessage(withValue, r));
    }
  });

  it("writes maps of every key type itself, keys converted as protobuf-es converts them", () => {
    const keys = schema("MapKeys");
    expect(encodesItself(keys)).toBe(true);
    const edges = (type: ScalarType) => (edgeValues(type) as unknown[]).map(String);
    const record = (type: ScalarType, value: (i: number) => unknown) => Object.fromEntries(edges(type).map((k, i) => [k, value(i)]));
    expectSameBytes(
      keys,
      msg(keys, {
        kInt32: record(ScalarType.INT32, (i) => i - 3),
        kUint32: record(ScalarType.UINT32, (i) => i % 3),
        kSint32: record(ScalarType.SINT32, (i) => new Uint8Array(i)),
        kFixed32: record(ScalarType.FIXED32, (i) => -i / 3),
        kSfixed32: record(ScalarType.SFIXED32, (i) => i * 0.5),
        kUint64: record(ScalarType.UINT64, (i) => "é".repeat(i)),
        kSint64: record(ScalarType.SINT64, (i) => i % 2 === 0),
        kFixed64: record(ScalarType.FIXED64, (i) => BigInt(i) << 40n),
        kSfixed64: record(ScalarType.SFIXED64, (i) => -BigInt(i)),
        kString: { "": {}, a: { kInt32: { "0": 0 } } },
      }),
    );
    const r = prng(8);
    for (let i = 0; i < 300; i++) {
      expectSameBytes(keys, randomMessage(keys, r));
    }
    // Keys protobuf-es's conversion turns into numbers loosely ("12abc" is 12, "0x10" is 16 to parseInt).
    expectSameBytes(keys, msg(keys, { kInt32: { "12abc": 1, "0x10": 2, " 7": 3, "1.9": 4 } }));
  });
});

describe("encodePayload with values toBinary does not take as they are", () => {
  it("throws where toBinary throws", () => {
    const foreign = create(EchoSchema, { key: "x" });
    const cases: [DescMessage, Message][] = [
      // A message of another type, at the top and nested: ForeignFieldError.
      [ScalarsSchema, foreign as unknown as Message],
      // Of the same shape (testsvc.Response has Request's fields): still another type.
      [RequestSchema, create(ResponseSchema, { value: "v", num: 1n }) as unknown as Message],
      // (Assigned after create(), which would take it as an init object.)
      [NestedSchema, { ...create(NestedSchema), scalars: foreign } as unknown as Message],
      [NestedSchema, { ...create(NestedSchema), children: [create(NestedSchema), foreign] } as unknown as Message],
      [MapsSchema, { ...create(MapsSchema), int64Message: { "1": foreign } } as unknown as Message],
      // A proto2 required field not set.
      [LegacySchema, create(LegacySchema)],
      // Out of range or not integers.
      [ScalarsSchema, create(ScalarsSchema, { fInt32: 1.5 })],
      [ScalarsSchema, create(ScalarsSchema, { fInt32: 2 ** 31 })],
      [ScalarsSchema, create(ScalarsSchema, { fUint32: -1 })],
      [ScalarsSchema, create(ScalarsSchema, { fFixed32: 2 ** 32 })],
      [ScalarsSchema, create(ScalarsSchema, { fFloat: 1e39 })],
      [ScalarsSchema, create(ScalarsSchema, { fInt64: 2n ** 63n })],
      [ScalarsSchema, create(ScalarsSchema, { fUint64: -1n })],
      [ScalarsSchema, create(ScalarsSchema, { fSfixed64: -(2n ** 63n) - 1n })],
      [JsTypesSchema, create(JsTypesSchema, { sInt64: "12x" })],
      [JsTypesSchema, create(JsTypesSchema, { sUint64: "-1" })],
      [RepeatedSchema, create(RepeatedSchema, { rInt32: [1, 2.5] })],
      [RepeatedSchema, create(RepeatedSchema, { rUint64: [1n, -1n] })],
    ];
    for (const [schema, m] of cases) {
      expect(() => toBinary(schema, m), schema.typeName).toThrow(Error);
      expect(() => encodePayload(schema, m), schema.typeName).toThrow(Error);
    }
    const legacy = create(LegacySchema);
    expect(() => encodePayload(LegacySchema, legacy)).toThrow(/required field not set/);
    expect(() => encodePayload(ScalarsSchema, foreign as never)).toThrow(/cannot use/);
  });

  it("throws for a proto2 required field not set in a nested message, and writes it once set", () => {
    const hasReq = proto2.getMessage("codecx2.HasReq") as DescMessage;
    expect(encodesItself(hasReq)).toBe(true);
    const m = msg(hasReq, { req: { r: 0 }, reqs: [{ r: 1 }, {}] }) as unknown as { reqs: { r?: number }[] };
    expect(() => toBinary(hasReq, m as never)).toThrow(/required field not set/);
    expect(() => encodePayload(hasReq, m as never)).toThrow(/required field not set/);
    (m.reqs[1] as { r?: number }).r = 0;
    expectSameBytes(hasReq, m as never);
    expectSameBytes(hasReq, msg(hasReq, {}));
  });

  it("does what toBinary does with values of other JavaScript types: the same bytes, or a throw", () => {
    const odd = [undefined, null, "5", "-1", "0", "", "abc", "1e3", 1.5, -1, 2 ** 31, 2 ** 32, 2 ** 53, 5n, -5n, 0n, true, false, {}, [], [1], new Int8Array([-1, 2]), new Uint8Array(0), Symbol("s")];
    let n = 0;
    for (const schema of [ScalarsSchema, OptionalsSchema, JsTypesSchema, EchoSchema, NestedSchema]) {
      for (const f of schema.fields) {
        if (f.fieldKind === "list" || f.oneof !== undefined) {
          continue;
        }
        for (const v of odd) {
          const m = create(schema) as unknown as Record<string, unknown>;
          m[f.localName] = v;
          expectSameOutcome(schema, m as unknown as Message);
          n++;
        }
      }
    }
    for (const v of odd) {
      expectSameOutcome(RepeatedSchema, create(RepeatedSchema, { rInt32: [1, v as number], rString: [v as string], rBytes: [v as Uint8Array] }));
      expectSameOutcome(NestedSchema, create(NestedSchema, { choice: { case: "cInt32", value: v as number } }));
      expectSameOutcome(NestedSchema, { ...create(NestedSchema), choice: { case: "cMessage", value: v } } as unknown as Message);
      expectSameOutcome(MapsSchema, { ...create(MapsSchema), stringInt32: { a: v } } as unknown as Message);
      expectSameOutcome(MapsSchema, { ...create(MapsSchema), boolString: { maybe: "x", true: v } } as unknown as Message);
      expectSameOutcome(MapsSchema, { ...create(MapsSchema), int64Message: { abc: {}, "1": v } } as unknown as Message);
      n += 6;
    }
    expect(n).toBeGreaterThan(500);
    // toBinary takes these as it coerces them: the same bytes, by way of toBinary.
    expectSameBytes(ScalarsSchema, { ...create(ScalarsSchema), fInt32: "7" } as unknown as Message, "toBinary");
    expectSameBytes(ScalarsSchema, { ...create(ScalarsSchema), fString: 12 } as unknown as Message, "toBinary");
    expectSameBytes(ScalarsSchema, { ...create(ScalarsSchema), fBool: 1 } as unknown as Message, "toBinary");
    expectSameBytes(ScalarsSchema, { ...create(ScalarsSchema), fUint64: 7 } as unknown as Message);
  });

  it("starts afresh after a throw or a fallback", () => {
    const good = create(NestedSchema, { child: { scalars: { fString: "s" } }, children: [{}, {}] });
    const bad = create(NestedSchema, { child: { scalars: { fString: "s", fInt32: 0.5 } }, children: [{}] });
    for (let i = 0; i < 3; i++) {
      expect(() => encodePayload(NestedSchema, bad)).toThrow(Error);
      expectSameBytes(NestedSchema, good);
      expectSameBytes(ScalarsSchema, { ...create(ScalarsSchema), fInt32: "7" } as unknown as Message, "toBinary");
      expectSameBytes(NestedSchema, good);
    }
  });

  it("takes an encode started inside another (a getter that encodes) with a state of its own", () => {
    const inner = create(NestedSchema, { child: { scalars: { fString: "inner" } } });
    const outer = create(NestedSchema, { children: [{ scalars: { fString: "x" } }] });
    Object.defineProperty(outer, "child", {
      enumerable: true,
      get: () => {
        encodePayload(NestedSchema, inner);
        return create(NestedSchema, { scalars: { fBytes: new Uint8Array(3) } });
      },
    });
    expectSameBytes(NestedSchema, outer);
  });
});
