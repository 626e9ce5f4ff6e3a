import { create, fromBinary, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { decodePayload } from "../../src/codec/payload-decoder.js";
import {
  EchoSchema,
  JsTypesSchema,
  MapsSchema,
  NestedSchema,
  OptionalsSchema,
  RepeatedSchema,
  ScalarsSchema,
} from "../gen/codec/proto3_pb.js";
import { FeaturesSchema } from "../gen/codec/editions_pb.js";
import { LegacySchema } from "../gen/codec/proto2_pb.js";
import { expectSameDecode } from "./payload-decoder-expect.js";
import { ClosedSchema, ParentSchema, WrappedInOneofSchema, WrappedSchema } from "./payload-decoder-schemas.js";

/** Bytes written by fill on a fresh BinaryWriter. */
function wire(fill: (w: BinaryWriter) => void): Uint8Array {
  const w = new BinaryWriter();
  fill(w);
  return w.finish();
}

/** The bytes of a varint tag. */
function tag(no: number, type: WireType): Uint8Array {
  return wire((w) => w.tag(no, type));
}

/** Concatenates byte arrays. */
function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

/** Asserts decodePayload decodes bytes as fromBinary does, without error. */
function same(schema: DescMessage, bytes: Uint8Array): void {
  expect(expectSameDecode(schema, bytes)).toBe(true);
}

describe("decodePayload, edge values", () => {
  it("decodes the zero message of every type from no bytes", () => {
    for (const s of [ScalarsSchema, OptionalsSchema, RepeatedSchema, NestedSchema, MapsSchema, JsTypesSchema, EchoSchema, ClosedSchema]) {
      same(s, new Uint8Array(0));
    }
  });

  it.each([
    ["zero and -1", { fInt32: -1, fInt64: -1n, fSint32: -1, fSint64: -1n, fSfixed32: -1, fSfixed64: -1n, fDouble: -1, fFloat: -1 }],
    ["int32 bounds", { fInt32: -2147483648, fSint32: 2147483647, fSfixed32: -2147483648, fUint32: 4294967295, fFixed32: 4294967295 }],
    ["int64 bounds", { fInt64: -9223372036854775808n, fSint64: 9223372036854775807n, fSfixed64: -9223372036854775808n }],
    ["uint64 max", { fUint64: 18446744073709551615n, fFixed64: 18446744073709551615n }],
    ["NaN, -0, infinities", { fDouble: Number.NaN, fFloat: -0, fFar: "far" }],
    ["multi-byte strings", { fString: "日本語 é 𝄞 \uFEFF", fFar: "x".repeat(300) }],
    ["large bytes", { fBytes: new Uint8Array(70000).map((_, i) => i) }],
    ["an unknown open enum", { fEnum: 77, fBool: true }],
  ])("Scalars: %s", (_, init) => {
    same(ScalarsSchema, toBinary(ScalarsSchema, create(ScalarsSchema, init)));
  });

  it("Optionals: explicit zero values are set", () => {
    same(OptionalsSchema, toBinary(OptionalsSchema, create(OptionalsSchema, { oInt32: 0, oString: "", oBytes: new Uint8Array(0), oBool: false, oEnum: 0, oInt64: 0n, oDouble: -0 })));
  });

  it("JsTypes: 64-bit fields as strings", () => {
    const bytes = toBinary(JsTypesSchema, create(JsTypesSchema, { sInt64: "-9223372036854775808", sUint64: "18446744073709551615", sFixed64: ["0", "1", "18446744073709551615"], nInt64: 5n }));
    same(JsTypesSchema, bytes);
    expect(decodePayload(JsTypesSchema, bytes).sInt64).toBe("-9223372036854775808");
  });

  it("Maps: keys of every kind, __proto__ as an own key, missing keys and values", () => {
    same(MapsSchema, toBinary(MapsSchema, create(MapsSchema, { stringInt32: { __proto__: 1, "": 2, é: -1 }, int64Message: { "-1": create(ScalarsSchema, { fInt32: 3 }) }, boolString: { true: "t", false: "" } })));
    // An entry without key or value, one with an unknown field, one with its value twice (merged).
    const value = wire((w) => w.tag(2, WireType.LengthDelimited).bytes(wire((v) => v.tag(5, WireType.Varint).int32(9))));
    same(MapsSchema, cat(tag(2, WireType.LengthDelimited), [0], tag(1, WireType.LengthDelimited), [2, 0x18, 1], tag(2, WireType.LengthDelimited), [value.length * 2], value, value));
  });

  it("Echo: bytes are views into the payload, as fromBinary returns them", () => {
    const bytes = toBinary(EchoSchema, create(EchoSchema, { payload: new Uint8Array(16).fill(7), id: 42n, key: "k" }));
    const got = decodePayload(EchoSchema, bytes);
    expect(got.payload.buffer).toBe(bytes.buffer);
    expect(fromBinary(EchoSchema, bytes).payload.buffer).toBe(bytes.buffer);
    same(EchoSchema, bytes);
  });

  it("strings: invalid UTF-8 decodes as fromBinary decodes it (or throws as it does)", () => {
    for (const bad of [[0xff], [0xc3], [0xe6, 0x97], [0xed, 0xa0, 0x80], [0x61, 0x80, 0x62], [0xef, 0xbb, 0xbf, 0x61]]) {
      expectSameDecode(ScalarsSchema, cat(tag(9, WireType.LengthDelimited), [bad.length], bad));
      expectSameDecode(ScalarsSchema, cat(tag(5000, WireType.LengthDelimited), [bad.length + 40], new Uint8Array(40).fill(0x41), bad));
    }
  });
});

describe("decodePayload, wire forms", () => {
  it("reads overlong varints and keeps the last of repeated scalars", () => {
    const overlong = [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    same(ScalarsSchema, cat(tag(5, WireType.Varint), overlong, tag(13, WireType.Varint), overlong, tag(4, WireType.Varint), overlong, tag(8, WireType.Varint), overlong));
    same(ScalarsSchema, cat(tag(5, WireType.Varint), [1], tag(5, WireType.Varint), [2], tag(9, WireType.LengthDelimited), [1, 0x61], tag(9, WireType.LengthDelimited), [0]));
    // A bool varint above 1, a 5-byte tag.
    same(ScalarsSchema, cat(tag(8, WireType.Varint), [0x80, 0x01], [0xc0, 0x80, 0x80, 0x80, 0x00], [1]));
  });

  it("accepts repeated scalars packed and unpacked, mixed", () => {
    const packed = wire((w) => w.tag(1, WireType.LengthDelimited).fork().int32(1).int32(-1).int32(300).join());
    same(RepeatedSchema, cat(packed, tag(1, WireType.Varint), [5], packed, wire((w) => w.tag(12, WireType.LengthDelimited).fork().uint32(1).uint32(2).join()), tag(12, WireType.Varint), [3]));
    same(RepeatedSchema, cat(wire((w) => w.tag(3, WireType.Bit64).double(1.5).tag(3, WireType.LengthDelimited).fork().double(Number.NaN).double(-0).join())));
    same(RepeatedSchema, cat(tag(2, WireType.LengthDelimited), [0], tag(6, WireType.LengthDelimited), [2, 0x05, 0x7f]));
  });

  it("merges repeated occurrences of a message field and of a oneof member", () => {
    const s1 = wire((w) => w.tag(1, WireType.LengthDelimited).bytes(toBinary(ScalarsSchema, create(ScalarsSchema, { fInt32: 1, fString: "a" }))));
    const s2 = wire((w) => w.tag(1, WireType.LengthDelimited).bytes(toBinary(ScalarsSchema, create(ScalarsSchema, { fInt64: 2n }))));
    same(NestedSchema, cat(s1, s2));
    const c1 = wire((w) => w.tag(5, WireType.LengthDelimited).bytes(toBinary(ScalarsSchema, create(ScalarsSchema, { fInt32: 1 }))));
    const c2 = wire((w) => w.tag(5, WireType.LengthDelimited).bytes(cat(tag(9, WireType.LengthDelimited), [1, 0x62], tag(99, WireType.Varint), [1])));
    same(NestedSchema, cat(c1, c2));
    const d = decodePayload(NestedSchema, cat(c1, c2));
    expect(d.choice).toStrictEqual({ case: "cMessage", value: expect.objectContaining({ fInt32: 1, fString: "b" }) });
    // Another member in between replaces the message.
    same(NestedSchema, cat(c1, tag(3, WireType.Varint), [7], c2, tag(4, WireType.LengthDelimited), [0]));
  });

  it("keeps unknown fields of every wire type, field 5000 and beyond", () => {
    const unknown = cat(
      tag(20, WireType.Varint), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      tag(21, WireType.Bit64), [1, 2, 3, 4, 5, 6, 7, 8],
      tag(22, WireType.LengthDelimited), [3, 1, 2, 3],
      tag(23, WireType.StartGroup), tag(1, WireType.Varint), [1], tag(24, WireType.StartGroup), tag(24, WireType.EndGroup), tag(23, WireType.EndGroup),
      tag(25, WireType.Bit32), [1, 2, 3, 4],
      tag(5001, WireType.Varint), [1],
      tag(536870911, WireType.Varint), [2],
    );
    same(EchoSchema, unknown);
    same(ScalarsSchema, cat(unknown, tag(5000, WireType.LengthDelimited), [1, 0x7a]));
    same(NestedSchema, cat(tag(1, WireType.LengthDelimited), [unknown.length], unknown, unknown));
    expect(decodePayload(EchoSchema, unknown).$unknown).toHaveLength(7);
  });

  it("closed enums: unknown values go to $unknown as fromBinary puts them", () => {
    same(ClosedSchema, cat(tag(1, WireType.Varint), [1]));
    same(ClosedSchema, cat(tag(1, WireType.Varint), [9]));
    same(ClosedSchema, cat(tag(1, WireType.Varint), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], tag(6, WireType.Varint), [3]));
    // With another unknown field, fromBinary keeps only that one.
    same(ClosedSchema, cat(tag(1, WireType.Varint), [9], tag(50, WireType.Varint), [1], tag(6, WireType.Varint), [2]));
    same(ClosedSchema, cat(tag(2, WireType.Varint), [9], tag(2, WireType.LengthDelimited), [2, 1, 7], tag(150, WireType.Varint), [1]));
    same(ClosedSchema, cat(tag(5, WireType.LengthDelimited), [2], tag(1, WireType.Varint), [9], tag(5, WireType.LengthDelimited), [2], tag(1, WireType.Varint), [8]));
  });

  it("proto2: defaults stay on the prototype, set fields are own", () => {
    same(ClosedSchema, new Uint8Array(0));
    same(ClosedSchema, cat(tag(3, WireType.LengthDelimited), [0], tag(7, WireType.LengthDelimited), [0], tag(4, WireType.Varint), [0]));
    expect((decodePayload(ClosedSchema, new Uint8Array(0)) as unknown as { name: string }).name).toBe("none");
  });
});

describe("decodePayload, wrappers", () => {
  it("unwraps a singular wrapper field, merging repeated occurrences, dropping unknown fields", () => {
    same(WrappedSchema, cat(tag(1, WireType.LengthDelimited), [0]));
    same(WrappedSchema, cat(tag(1, WireType.LengthDelimited), [2, 0x08, 0x05]));
    same(WrappedSchema, cat(tag(1, WireType.LengthDelimited), [2, 0x08, 0x05], tag(1, WireType.LengthDelimited), [2, 0x10, 0x01]));
    same(ParentSchema, cat(tag(1, WireType.LengthDelimited), [4, 0x0a, 0x02, 0x08, 0x07], tag(1, WireType.LengthDelimited), [0]));
    same(WrappedInOneofSchema, cat(tag(1, WireType.LengthDelimited), [2, 0x08, 0x05], tag(1, WireType.LengthDelimited), [0]));
    expect((decodePayload(WrappedSchema, cat(tag(1, WireType.LengthDelimited), [2, 0x08, 0x05])) as unknown as { n: number }).n).toBe(5);
  });
});

describe("decodePayload, groups and delimited messages", () => {
  const group = (no: number, ...body: (Uint8Array | number[])[]) => cat(tag(no, WireType.StartGroup), ...body, tag(no, WireType.EndGroup));

  it("reads a proto2 group, merges a repeated one, keeps unknown fields inside it", () => {
    same(LegacySchema, group(7, tag(8, WireType.Varint), [5]));
    same(LegacySchema, cat(group(7, tag(8, WireType.Varint), [5]), group(7, tag(9, WireType.LengthDelimited), [1, 0x62], tag(30, WireType.Bit32), [1, 2, 3, 4])));
    same(LegacySchema, cat(tag(4, WireType.Varint), [9], group(7, group(31, tag(1, WireType.Varint), [1])), tag(3, WireType.Varint), [1]));
  });

  it("reads editions' delimited messages, nested", () => {
    same(FeaturesSchema, group(3, tag(6, WireType.LengthDelimited), [1, 0x74], group(3, tag(2, WireType.Varint), [0]), tag(4, WireType.Varint), [1]));
    same(FeaturesSchema, cat(tag(1, WireType.Varint), [0], tag(2, WireType.Varint), [0], tag(5, WireType.Varint), [3], tag(4, WireType.LengthDelimited), [2, 1, 2]));
  });

  it.each([
    ["an unclosed group", group(7).subarray(0, 1)],
    ["a group closed by another field", cat(tag(7, WireType.StartGroup), tag(8, WireType.EndGroup))],
    ["a group without its end tag", cat(tag(7, WireType.StartGroup), tag(8, WireType.Varint), [1])],
    ["an end tag without a group", tag(7, WireType.EndGroup)],
  ])("throws on %s", (_, bytes) => {
    expect(() => fromBinary(LegacySchema, bytes)).toThrow(Error);
    expect(() => decodePayload(LegacySchema, bytes)).toThrow(Error);
  });
});

describe("decodePayload, malformed input", () => {
  it.each([
    ["a truncated varint", cat(tag(5, WireType.Varint), [0x80])],
    ["a truncated tag", [0x80]],
    ["an 11-byte varint", cat(tag(2, WireType.Varint), new Uint8Array(10).fill(0x80), [0])],
    ["a 6-byte tag", [0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00]],
    ["a length past the end", cat(tag(1, WireType.LengthDelimited), [5, 1, 2])],
    ["a string past the end", cat(tag(3, WireType.LengthDelimited), [0x80, 0x01, 0x61])],
    ["wire type 6", [(2 << 3) | 6, 0]],
    ["wire type 7", [(20 << 3) | 7, 0]],
    ["field number 0", [0x00, 0x01]],
    ["a group end without start", tag(9, WireType.EndGroup)],
    ["an unclosed group", cat(tag(9, WireType.StartGroup), tag(1, WireType.Varint), [1])],
    ["a group closed by another number", cat(tag(9, WireType.StartGroup), tag(8, WireType.EndGroup))],
    ["a truncated fixed64", cat(tag(21, WireType.Bit64), [1, 2, 3])],
    ["a truncated unknown varint", cat(tag(21, WireType.Varint), [0x80, 0x80])],
  ])("throws on %s", (_, bytes) => {
    const b = Uint8Array.from(bytes);
    expect(() => fromBinary(EchoSchema, b)).toThrow(Error);
    expect(() => decodePayload(EchoSchema, b)).toThrow(Error);
  });

  it.each([
    ["a truncated double", cat(tag(1, WireType.Bit64), [0, 0])],
    ["a truncated float", cat(tag(2, WireType.Bit32), [0, 0])],
    ["a truncated sfixed64", cat(tag(16, WireType.Bit64), [0, 0, 0, 0, 0])],
    ["a truncated bool", cat(tag(8, WireType.Varint), [0x80])],
  ])("Scalars: throws on %s", (_, bytes) => {
    expect(() => fromBinary(ScalarsSchema, bytes)).toThrow(Error);
    expect(() => decodePayload(ScalarsSchema, bytes)).toThrow(Error);
  });

  it("throws past the recursion limit of 100, as fromBinary", () => {
    let bytes: Uint8Array = new Uint8Array(0);
    for (let depth = 1; depth <= 101; depth++) {
      bytes = wire((w) => w.tag(2, WireType.LengthDelimited).bytes(bytes));
      if (depth === 99) same(NestedSchema, bytes);
    }
    expect(() => fromBinary(NestedSchema, bytes)).toThrow(/recursion/);
    expect(() => decodePayload(NestedSchema, bytes)).toThrow(/recursion/);
  });

  it("throws on a truncated packed field and a truncated map entry", () => {
    for (const [schema, bytes] of [
      [RepeatedSchema, cat(tag(7, WireType.LengthDelimited), [6, 1, 0, 0, 0, 2, 0])],
      [RepeatedSchema, cat(tag(1, WireType.LengthDelimited), [3, 0x80, 0x80])],
      [MapsSchema, cat(tag(1, WireType.LengthDelimited), [4, 0x0a, 5, 0x61])],
    ] as const) {
      expect(() => fromBinary(schema, bytes)).toThrow(Error);
      expect(() => decodePayload(schema, bytes)).toThrow(Error);
    }
  });
});
