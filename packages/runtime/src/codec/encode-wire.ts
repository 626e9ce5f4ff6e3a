/**
 * The wire format's primitives for the payload encoder: varint sizes and
 * writes, 64-bit values split into 32-bit halves, UTF-8 lengths, tags. Every
 * write takes the buffer and a position and returns the position after it;
 * the buffer was allocated to the size the size pass computed, so no write
 * checks capacity.
 */
import { protoInt64 } from "@bufbuild/protobuf";

/** Wire types (protobuf-es's WireType). */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_I32 = 5;

/** A field's tag as protobuf-es's `writer.tag` computes it. */
export function tagOf(fieldNo: number, wireType: number): number {
  return ((fieldNo << 3) | wireType) >>> 0;
}

/** Bytes of a varint of an unsigned 32-bit integer. */
export function varint32Size(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

/** Writes a varint of an unsigned 32-bit integer. */
export function writeVarint32(buf: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** Bytes of an int32 varint: negative values are sign-extended to 64 bits, ten bytes. */
export function int32Size(n: number): number {
  return n < 0 ? 10 : varint32Size(n);
}

export function writeInt32(buf: Uint8Array, pos: number, n: number): number {
  return n < 0 ? writeVarint64(buf, pos, n >>> 0, 0xffffffff) : writeVarint32(buf, pos, n);
}

/** The zigzag encoding of a sint32, as an unsigned 32-bit integer. */
export function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

/** Bytes of a varint of the unsigned 64-bit integer `hi * 2^32 + lo` (both halves unsigned). */
export function varint64Size(lo: number, hi: number): number {
  return hi === 0 ? varint32Size(lo) : ((70 - Math.clz32(hi)) / 7) | 0;
}

export function writeVarint64(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

/** Writes a 32-bit integer (signed or unsigned) little-endian. */
export function writeFixed32(buf: Uint8Array, pos: number, n: number): number {
  buf[pos] = n;
  buf[pos + 1] = n >>> 8;
  buf[pos + 2] = n >>> 16;
  buf[pos + 3] = n >>> 24;
  return pos + 4;
}

const scratch = new DataView(new ArrayBuffer(8));

export function writeDouble(buf: Uint8Array, pos: number, n: number): number {
  scratch.setFloat64(0, n, true);
  writeFixed32(buf, pos, scratch.getUint32(0, true));
  return writeFixed32(buf, pos + 4, scratch.getUint32(4, true));
}

export function writeFloat(buf: Uint8Array, pos: number, n: number): number {
  scratch.setFloat32(0, n, true);
  return writeFixed32(buf, pos, scratch.getUint32(0, true));
}

// ------------------------------------------------------------ 64-bit values

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const TWO_53 = 2 ** 53;
const TWO_32 = 2 ** 32;

/** The halves of the value the last splitInt64/splitUint64 took, both unsigned. */
export const halves = { lo: 0, hi: 0 };

/** Splits an integer of magnitude below 2^53 (two's complement when negative). */
function splitNumber(n: number): void {
  halves.lo = n >>> 0;
  halves.hi = Math.floor(n / TWO_32) >>> 0;
}

function splitBits(): void {
  halves.lo = scratch.getUint32(0, true);
  halves.hi = scratch.getUint32(4, true);
}

/**
 * Splits a signed 64-bit value into `halves`. A bigint takes the fast way
 * (through a Number when its magnitude is below 2^53, where the Number is
 * exact); anything else (a string of a jstype=JS_STRING field, a number)
 * goes through protoInt64.enc, which is what toBinary calls, and which
 * throws for a value toBinary cannot write.
 */
export function splitInt64(v: unknown): void {
  if (typeof v === "bigint") {
    const n = Number(v);
    if (n > -TWO_53 && n < TWO_53) {
      splitNumber(n);
      return;
    }
    if (v >= INT64_MIN && v <= INT64_MAX) {
      scratch.setBigInt64(0, v, true);
      splitBits();
      return;
    }
  }
  const bits = protoInt64.enc(v as bigint);
  halves.lo = bits.lo >>> 0;
  halves.hi = bits.hi >>> 0;
}

/** splitInt64 for an unsigned 64-bit value (protoInt64.uEnc). */
export function splitUint64(v: unknown): void {
  if (typeof v === "bigint") {
    const n = Number(v);
    if (n >= 0 && n < TWO_53) {
      splitNumber(n);
      return;
    }
    if (v >= 0n && v <= UINT64_MAX) {
      scratch.setBigUint64(0, v, true);
      splitBits();
      return;
    }
  }
  const bits = protoInt64.uEnc(v as bigint);
  halves.lo = bits.lo >>> 0;
  halves.hi = bits.hi >>> 0;
}

/** Replaces the halves (of a signed 64-bit value) with their zigzag encoding. */
export function zigzag64(): void {
  const { lo, hi } = halves;
  const sign = (hi | 0) >> 31;
  halves.lo = ((lo << 1) ^ sign) >>> 0;
  halves.hi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
}

// ------------------------------------------------------------------- UTF-8

/** Strings up to this length are counted and copied in JavaScript; longer ones by Buffer. */
const SHORT_STRING = 64;

/** The UTF-8 length of a string as TextEncoder writes it (a lone surrogate is U+FFFD, three bytes). */
export function utf8Size(s: string): number {
  const n = s.length;
  if (n > SHORT_STRING) {
    return Buffer.byteLength(s, "utf8");
  }
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      return Buffer.byteLength(s, "utf8");
    }
  }
  return n;
}

/** Writes the `len` UTF-8 bytes of `s` (len from utf8Size). */
export function writeUtf8(buf: Buffer, pos: number, s: string, len: number): number {
  if (len === s.length && len <= SHORT_STRING) {
    // ASCII (any other character takes more bytes than UTF-16 units).
    for (let i = 0; i < len; i++) {
      buf[pos + i] = s.charCodeAt(i);
    }
    return pos + len;
  }
  return pos + buf.write(s, pos, len, "utf8");
}

/** Bytes arrays up to this length are copied in a loop; longer ones with `set`. */
const SHORT_BYTES = 32;

export function writeRaw(buf: Uint8Array, pos: number, b: Uint8Array): number {
  const n = b.length;
  if (n <= SHORT_BYTES) {
    for (let i = 0; i < n; i++) {
      buf[pos + i] = b[i] as number;
    }
  } else {
    buf.set(b, pos);
  }
  return pos + n;
}
