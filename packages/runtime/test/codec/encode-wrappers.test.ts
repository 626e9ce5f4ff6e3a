/**
 * Singular wrapper fields outside a oneof (google.protobuf.Int32Value and
 * the other eight), which protobuf-es holds as the unwrapped value: the
 * payload encoder compiles the types that have them, in the type or one it
 * reaches, and writes toBinary's bytes for every wrapper type unset, set to
 * its zero value, set to each edge value, length-prefixed and delimited
 * (edition 2023), at random, and for values of other JavaScript types; the
 * payload decoder reads back what fromBinary reads. The message types are
 * built here from descriptors.
 */
import { create, createFileRegistry, type DescField, type DescMessage, type Message, ScalarType, toBinary } from "@bufbuild/protobuf";
import {
  Edition,
  FeatureSet_MessageEncoding,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_wrappers,
  isWrapperDesc,
} from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { decodePayload } from "../../src/codec/payload-decoder.js";
import { encodePayload, encodesItself } from "../../src/codec/payload-encoder.js";
import { firstUnsupported } from "../../src/codec/encode-support.js";
import { prng } from "../helpers/prng.js";
import { edgeValues, expectSameBytes, expectSameOutcome, hex, randomMessage } from "./encode-helpers.js";
import { expectSameDecode } from "./payload-decoder-expect.js";

/** The nine wrapper types, by the scalar type of their `value`. */
const WRAPPERS: [string, ScalarType][] = [
  ["DoubleValue", ScalarType.DOUBLE],
  ["FloatValue", ScalarType.FLOAT],
  ["Int64Value", ScalarType.INT64],
  ["UInt64Value", ScalarType.UINT64],
  ["Int32Value", ScalarType.INT32],
  ["UInt32Value", ScalarType.UINT32],
  ["BoolValue", ScalarType.BOOL],
  ["StringValue", ScalarType.STRING],
  ["BytesValue", ScalarType.BYTES],
];

const optional = Label.OPTIONAL;
const wrapperField = (name: string, number: number, wrapper: string, extra: object = {}) => ({
  name,
  number,
  label: optional,
  type: Type.MESSAGE,
  typeName: `.google.protobuf.${wrapper}`,
  ...extra,
});

const proto3 = create(FileDescriptorProtoSchema, {
  name: "codecw.proto",
  package: "codecw",
  syntax: "proto3",
  dependency: ["google/protobuf/wrappers.proto"],
  messageType: [
    {
      name: "Wrappers",
      field: [
        ...WRAPPERS.map(([w], i) => wrapperField(`w_${w.toLowerCase()}`, i + 1, w)),
        // A tag of two bytes.
        wrapperField("far", 2047, "StringValue"),
        { name: "n", number: 20, label: optional, type: Type.INT32 },
        // Kept as messages: a oneof member and a list.
        wrapperField("in_oneof", 21, "Int32Value", { oneofIndex: 0 }),
        wrapperField("list", 22, "UInt64Value", { label: Label.REPEATED }),
      ],
      oneofDecl: [{ name: "o" }],
    },
    // Reaches Wrappers through a field and a list: compiled too.
    {
      name: "Holder",
      field: [
        { name: "one", number: 1, label: optional, type: Type.MESSAGE, typeName: ".codecw.Wrappers" },
        { name: "many", number: 2, label: Label.REPEATED, type: Type.MESSAGE, typeName: ".codecw.Wrappers" },
        wrapperField("b", 3, "BoolValue"),
      ],
    },
  ],
});

const editions = create(FileDescriptorProtoSchema, {
  name: "codecw3.proto",
  package: "codecw3",
  syntax: "editions",
  edition: Edition.EDITION_2023,
  dependency: ["google/protobuf/wrappers.proto"],
  messageType: [
    {
      name: "Delimited",
      field: [
        ...WRAPPERS.map(([w], i) => wrapperField(`w_${w.toLowerCase()}`, i + 1, w, { options: { features: { messageEncoding: FeatureSet_MessageEncoding.DELIMITED } } })),
        wrapperField("plain", 10, "Int32Value"),
      ],
    },
  ],
});

const registry = createFileRegistry(proto3, (name) => (name === "google/protobuf/wrappers.proto" ? file_google_protobuf_wrappers : undefined));
const registry3 = createFileRegistry(editions, (name) => (name === "google/protobuf/wrappers.proto" ? file_google_protobuf_wrappers : undefined));
const Wrappers = registry.getMessage("codecw.Wrappers") as DescMessage;
const Holder = registry.getMessage("codecw.Holder") as DescMessage;
const Delimited = registry3.getMessage("codecw3.Delimited") as DescMessage;

/** The singular wrapper fields of `desc` (outside a oneof), with the scalar type of each one's value. */
function wrapperFields(desc: DescMessage): [DescField, ScalarType][] {
  return desc.fields.flatMap((f): [DescField, ScalarType][] => {
    if (f.fieldKind !== "message" || f.oneof !== undefined || !isWrapperDesc(f.message)) {
      return [];
    }
    return [[f, f.message.fields[0]?.scalar as ScalarType]];
  });
}

function withField(desc: DescMessage, field: DescField, value: unknown): Message {
  const m = create(desc) as unknown as Record<string, unknown>;
  m[field.localName] = value;
  return m as unknown as Message;
}

/** The zero value of a scalar type, as protobuf-es holds it. */
function zeroOf(type: ScalarType): unknown {
  switch (type) {
    case ScalarType.INT64:
    case ScalarType.UINT64:
      return 0n;
    case ScalarType.BOOL:
      return false;
    case ScalarType.STRING:
      return "";
    case ScalarType.BYTES:
      return new Uint8Array(0);
    default:
      return 0;
  }
}

/** The bytes encodePayload writes decode, with decodePayload, to what fromBinary decodes, and to `value` in the field. */
function expectRoundTrip(desc: DescMessage, m: Message, field: DescField, type: ScalarType, value: unknown): void {
  const bytes = encodePayload(desc, m);
  expectSameDecode(desc, bytes);
  const back = (decodePayload(desc, bytes) as unknown as Record<string, unknown>)[field.localName];
  if (value instanceof Uint8Array) {
    expect(back).toBeInstanceOf(Uint8Array);
    expect(hex(back as Uint8Array)).toBe(hex(value));
  } else if (typeof value === "number" && Number.isNaN(value)) {
    expect(Number.isNaN(back)).toBe(true);
  } else if (type === ScalarType.FLOAT && typeof value === "number") {
    // FloatValue: the float32 nearest the value.
    expect(Object.is(back, Math.fround(value)), `${field.name}: ${String(back)} is ${String(value)}`).toBe(true);
  } else if (typeof value === "string") {
    // Lone surrogates come back as U+FFFD, as from any UTF-8 encoder.
    expect(back).toBe(new TextDecoder().decode(new TextEncoder().encode(value)));
  } else {
    expect(Object.is(back, value), `${field.name}: ${String(back)} is ${String(value)}`).toBe(true);
  }
}

describe("encodePayload, singular wrapper fields", () => {
  it("compiles the types that have them, or reach them, instead of falling back to toBinary", () => {
    for (const desc of [Wrappers, Holder, Delimited]) {
      expect(firstUnsupported(desc), desc.typeName).toBeUndefined();
      expect(encodesItself(desc), desc.typeName).toBe(true);
    }
    expect(wrapperFields(Wrappers)).toHaveLength(10);
    expect(wrapperFields(Delimited)).toHaveLength(10);
  });

  it("writes nothing for an unset wrapper field, the empty wrapper for its zero value, the value otherwise", () => {
    expect(encodePayload(Wrappers, create(Wrappers)).length).toBe(0);
    const i32 = Wrappers.fields.find((f) => f.name === "w_int32value") as DescField;
    expect(hex(encodePayload(Wrappers, withField(Wrappers, i32, 0)))).toBe("2a00");
    expect(hex(encodePayload(Wrappers, withField(Wrappers, i32, 5)))).toBe("2a020805");
    expect(hex(encodePayload(Wrappers, withField(Wrappers, i32, -1)))).toBe("2a0b08ffffffffffffffffff01");
    const far = Wrappers.fields.find((f) => f.name === "far") as DescField;
    expect(hex(encodePayload(Wrappers, withField(Wrappers, far, "")))).toBe("fa7f00");
    expect(hex(encodePayload(Wrappers, withField(Wrappers, far, "ab")))).toBe("fa7f040a026162");
    // A field set to undefined is not set.
    expect(encodePayload(Wrappers, withField(Wrappers, i32, undefined)).length).toBe(0);
    const delimited = Delimited.fields.find((f) => f.name === "w_int32value") as DescField;
    expect(hex(encodePayload(Delimited, withField(Delimited, delimited, 0)))).toBe("2b2c");
    expect(hex(encodePayload(Delimited, withField(Delimited, delimited, 5)))).toBe("2b08052c");
  });

  it("writes toBinary's bytes for every wrapper type unset, at its zero value and at each edge value, and reads them back", () => {
    let n = 0;
    for (const desc of [Wrappers, Delimited]) {
      for (const [field, type] of wrapperFields(desc)) {
        expectSameBytes(desc, create(desc));
        const zero = withField(desc, field, zeroOf(type));
        expectSameBytes(desc, zero);
        expect(encodePayload(desc, zero).length, `${desc.typeName}.${field.name} at zero`).toBeGreaterThan(0);
        expectRoundTrip(desc, zero, field, type, zeroOf(type));
        for (const v of edgeValues(type)) {
          const m = withField(desc, field, v);
          expectSameBytes(desc, m);
          expectRoundTrip(desc, m, field, type, v);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(200);
  });

  it("writes every wrapper field at once, next to other fields, in messages that reach them", () => {
    const all = create(Wrappers, {
      wDoublevalue: -0,
      wFloatvalue: 1.5,
      wInt64value: -(2n ** 63n),
      wUint64value: 2n ** 64n - 1n,
      wInt32value: -(2 ** 31),
      wUint32value: 2 ** 32 - 1,
      wBoolvalue: true,
      wStringvalue: "日本語",
      wBytesvalue: new Uint8Array([0, 1, 255]),
      far: "x".repeat(200),
      n: 7,
      o: { case: "inOneof", value: { value: 0 } },
      list: [{ value: 1n }, {}],
    } as never) as Message;
    expectSameBytes(Wrappers, all);
    expectSameDecode(Wrappers, encodePayload(Wrappers, all));
    const holder = create(Holder, { one: all, many: [all, create(Wrappers), all], b: false } as never) as Message;
    expectSameBytes(Holder, holder);
    expectSameDecode(Holder, encodePayload(Holder, holder));
  });

  it("writes toBinary's bytes for random messages, and the decoder reads them back", () => {
    const r = prng(31);
    for (let i = 0; i < 200; i++) {
      for (const desc of [Wrappers, Holder, Delimited]) {
        const m = randomMessage(desc, r);
        expectSameBytes(desc, m);
        expectSameDecode(desc, encodePayload(desc, m));
      }
    }
  });

  it("does what toBinary does with values of other JavaScript types: the same bytes, or a throw", () => {
    const odd = [null, "5", "0", "", 1.5, -1, 2 ** 31, 2 ** 32, 5n, 0n, -1n, true, false, 0, {}, [], [1], new Int8Array([-1, 2]), 1e39, { $typeName: "google.protobuf.Int32Value", value: 5 }];
    let n = 0;
    for (const desc of [Wrappers, Delimited]) {
      for (const [field] of wrapperFields(desc)) {
        for (const v of odd) {
          expectSameOutcome(desc, withField(desc, field, v));
          n++;
        }
      }
    }
    expect(n).toBe(2 * 10 * odd.length);
    // toBinary takes some as it coerces them (an Int32Value of "7"): the same bytes, by way of toBinary.
    const i32 = Wrappers.fields.find((f) => f.name === "w_int32value") as DescField;
    expectSameBytes(Wrappers, withField(Wrappers, i32, "7"), "toBinary");
    expect(() => toBinary(Wrappers, withField(Wrappers, i32, 1.5))).toThrow(Error);
    expect(() => encodePayload(Wrappers, withField(Wrappers, i32, 1.5))).toThrow(Error);
  });
});
