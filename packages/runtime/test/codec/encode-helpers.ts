/**
 * What the payload encoder's tests share: the byte-for-byte check against
 * toBinary, edge values per scalar type, and a seeded generator of random
 * messages of any schema (driven by its descriptor).
 */
import { create, type DescField, type DescMessage, type Message, ScalarType, toBinary } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { expect } from "vitest";
import { encodePayload } from "../../src/codec/payload-encoder.js";

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/**
 * encodePayload writes exactly what toBinary writes, and by itself: its own
 * path returns a Buffer, toBinary (a fallback or a bail) a plain
 * Uint8Array. `by: "toBinary"` expects the fallback.
 */
export function expectSameBytes(schema: DescMessage, message: Message, by: "itself" | "toBinary" = "itself"): void {
  const expected = toBinary(schema, message);
  const ours = encodePayload(schema, message);
  expect(ours).toBeInstanceOf(Uint8Array);
  expect(hex(ours)).toBe(hex(expected));
  expect(Buffer.isBuffer(ours) ? "itself" : "toBinary").toBe(by);
}

/** What toBinary does with `message`, encodePayload does: the same bytes, or it throws too. */
export function expectSameOutcome(schema: DescMessage, message: Message): void {
  let expected: Uint8Array | undefined;
  try {
    expected = toBinary(schema, message);
  } catch {
    expect(() => encodePayload(schema, message)).toThrow(Error);
    return;
  }
  expect(hex(encodePayload(schema, message))).toBe(hex(expected));
}

const I32 = [0, 1, -1, 2, 63, 64, 127, 128, -128, 300, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) + 1];
const U32 = [0, 1, 127, 128, 255, 256, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
const I64 = [0n, 1n, -1n, 127n, 128n, -128n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 35n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 63n) + 1n];
const U64 = [0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 49n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 56n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const DOUBLES = [0, -0, 1, -1, 0.1, 1.5, -2.75, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 1e-300, 123456.789];
const FLOATS = [0, -0, 1, -1, 0.1, 1.5, Number.NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 1e-40, 16777217, 0.3];
export const STRINGS = [
  "",
  "a",
  "key-42",
  "x".repeat(32),
  "y".repeat(33),
  "z".repeat(64),
  "w".repeat(65),
  "v".repeat(127),
  "u".repeat(128),
  "t".repeat(300),
  "héllo",
  "日本語のテキスト",
  "emoji 🎉 and 𝄞",
  "\ud800",
  "\udc00",
  "a\ud800b",
  "\udbff\udfff",
  "lone at end \ud83d",
  "\udc00\ud800",
  "\u0000",
  "\u007f\u0080\u07ff\u0800\uffff",
  "é".repeat(70),
  "mixed ascii then ü",
];
const BYTE_LENGTHS = [0, 1, 2, 15, 16, 31, 32, 33, 127, 128, 129, 300, 16384];

/** The edge values of a scalar type (64-bit ones as decimal strings for jstype=JS_STRING). */
export function edgeValues(type: ScalarType, longAsString = false): unknown[] {
  const long = (vs: bigint[]) => (longAsString ? vs.map(String) : vs);
  switch (type) {
    case ScalarType.DOUBLE:
      return DOUBLES;
    case ScalarType.FLOAT:
      return FLOATS;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return I32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return U32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(I64);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(U64);
    case ScalarType.BOOL:
      return [false, true];
    case ScalarType.STRING:
      return STRINGS;
    case ScalarType.BYTES:
      return BYTE_LENGTHS.map((n) => new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff));
  }
}

/** A pseudo-random source in [0, 1). */
export type Rng = () => number;

export function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function int(r: Rng, below: number): number {
  return Math.floor(r() * below);
}

export function randomBytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = int(r, 256);
  }
  return b;
}

function randomBigint(r: Rng, bits: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 16) {
    v = (v << 16n) | BigInt(int(r, 0x10000));
  }
  v &= (1n << BigInt(bits)) - 1n;
  return signed ? BigInt.asIntN(64, v) : v;
}

function randomString(r: Rng): string {
  if (r() < 0.6) {
    return pick(r, STRINGS);
  }
  // Random code units, lone surrogates included.
  const n = int(r, 40);
  let s = "";
  for (let i = 0; i < n; i++) {
    const k = r();
    s += String.fromCharCode(k < 0.5 ? 0x20 + int(r, 0x5f) : k < 0.7 ? int(r, 0x800) : k < 0.9 ? int(r, 0x10000) : 0xd800 + int(r, 0x800));
  }
  return s;
}

/** A random value of a scalar type, edge values often. */
export function randomScalar(r: Rng, type: ScalarType, longAsString = false): unknown {
  const edge = r() < 0.5;
  const long = (v: bigint) => (longAsString ? v.toString() : v);
  switch (type) {
    case ScalarType.DOUBLE:
      return edge ? pick(r, DOUBLES) : (r() - 0.5) * 10 ** int(r, 20);
    case ScalarType.FLOAT:
      return edge ? pick(r, FLOATS) : Math.fround((r() - 0.5) * 10 ** int(r, 12));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return edge ? pick(r, I32) : int(r, 2 ** 32) - 2 ** 31;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return edge ? pick(r, U32) : int(r, 2 ** 32);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(edge ? pick(r, I64) : randomBigint(r, 1 + int(r, 64), true));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(edge ? pick(r, U64) : randomBigint(r, 1 + int(r, 64), false));
    case ScalarType.BOOL:
      return r() < 0.5;
    case ScalarType.STRING:
      return randomString(r);
    case ScalarType.BYTES:
      return randomBytes(r, pick(r, BYTE_LENGTHS));
  }
}

function randomEnum(r: Rng, field: DescField): number {
  const values = field.enum?.values ?? [];
  // Numbers the enum does not name too: proto3 enums are open, and toBinary writes any int32.
  return r() < 0.8 && values.length > 0 ? (pick(r, values).number as number) : pick(r, [0, -1, 99, 2 ** 31 - 1, -(2 ** 31)]);
}

/** A random value of a singular field (or of a list item, map value, oneof case). */
function randomValue(r: Rng, field: DescField, depth: number): unknown {
  if (field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(field.message)) {
    // A singular wrapper field outside a oneof holds the unwrapped value.
    return randomScalar(r, field.message.fields[0]?.scalar as ScalarType);
  }
  if (field.message !== undefined) {
    return randomMessage(field.message, r, depth + 1);
  }
  if (field.enum !== undefined) {
    return randomEnum(r, field);
  }
  return randomScalar(r, field.scalar as ScalarType, "longAsString" in field && field.longAsString);
}

function randomKey(r: Rng, type: ScalarType): string {
  switch (type) {
    case ScalarType.BOOL:
      return r() < 0.5 ? "true" : "false";
    case ScalarType.STRING:
      return randomString(r);
    default:
      return String(randomScalar(r, type));
  }
}

const MAX_DEPTH = 3;

/**
 * A random message of `desc`: each field set or left as create() leaves
 * it, lists and maps of 0 to 4 entries, one case of each oneof or none,
 * sometimes unknown fields. Required fields are always set.
 */
export function randomMessage(desc: DescMessage, r: Rng, depth = 0): Message {
  const m = create(desc) as unknown as Record<string, unknown>;
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      if (r() < 0.7) {
        const f = pick(r, member.fields);
        if (f.message === undefined || depth < MAX_DEPTH) {
          m[member.localName] = { case: f.localName, value: randomValue(r, f, depth) };
        }
      }
      continue;
    }
    const f = member;
    const required = f.presence === 3;
    if (!required && r() < 0.3) {
      continue;
    }
    if (f.message !== undefined && depth >= MAX_DEPTH && f.fieldKind !== "map") {
      continue;
    }
    switch (f.fieldKind) {
      case "scalar":
      case "enum":
      case "message":
        m[f.localName] = randomValue(r, f, depth);
        break;
      case "list":
        m[f.localName] = Array.from({ length: int(r, 5) }, () => randomValue(r, f, depth));
        break;
      case "map": {
        const record: Record<string, unknown> = {};
        for (let i = int(r, 5); i > 0; i--) {
          record[randomKey(r, f.mapKey)] = f.message !== undefined && depth >= MAX_DEPTH ? create(f.message) : randomValue(r, f, depth);
        }
        m[f.localName] = record;
        break;
      }
    }
  }
  if (r() < 0.1) {
    m.$unknown = Array.from({ length: 1 + int(r, 3) }, () => ({ no: 1 + int(r, 2 ** 29 - 1), wireType: int(r, 6), data: randomBytes(r, int(r, 20)) }));
  }
  return m as unknown as Message;
}
