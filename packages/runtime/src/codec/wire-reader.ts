import { protoInt64 } from "@bufbuild/protobuf";
import { getTextEncoding } from "@bufbuild/protobuf/wire";

/** Wire type of varints (the low three bits of a tag). */
export const wireVarint = 0;
/** Wire type of 8-byte little-endian values. */
export const wireBit64 = 1;
/** Wire type of length-prefixed values. */
export const wireLengthDelimited = 2;
/** Wire type opening a group. */
export const wireStartGroup = 3;
/** Wire type closing a group. */
export const wireEndGroup = 4;
/** Wire type of 4-byte little-endian values. */
export const wireBit32 = 5;

/** protobuf-es's default recursion limit of fromBinary. */
export const recursionLimit = 100;

const scratch = new DataView(new ArrayBuffer(8));
const bigints = protoInt64.supported;

/**
 * A cursor over one payload that reads exactly as protobuf-es's BinaryReader
 * does (bounds checked against the whole buffer, varints up to ten bytes,
 * the same errors on the same inputs), without a DataView per payload.
 */
export class WireReader {
  /** The bytes being read. */
  readonly buf: Uint8Array;
  /** The read position. */
  pos = 0;
  /** The length of buf. */
  readonly len: number;
  /** The nesting depth of the message being read (1 for the payload itself). */
  depth = 0;
  /** The low word of the last 64-bit varint read. */
  lo = 0;
  /** The high word of the last 64-bit varint read. */
  hi = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.len = buf.length;
  }

  /** Throws as BinaryReader does when the position went past the end. */
  assertBounds(): void {
    if (this.pos > this.len) throw new RangeError("premature EOF");
  }

  /** An unsigned 32-bit varint (longer varints keep their low 32 bits). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos]!;
    if (b < 0x80) {
      this.pos = pos + 1;
      return b;
    }
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[pos++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return this.end32(pos, result);
    }
    b = buf[pos++]!;
    result |= (b & 0x0f) << 28;
    for (let readBytes = 5; (b & 0x80) !== 0 && readBytes < 10; readBytes++) b = buf[pos++]!;
    if ((b & 0x80) !== 0) throw new Error("invalid varint");
    return this.end32(pos, result >>> 0);
  }

  /** Ends a 32-bit varint at pos (past the end of buf throws). */
  private end32(pos: number, value: number): number {
    this.pos = pos;
    this.assertBounds();
    return value;
  }

  /**
   * A tag, validated as BinaryReader.tag() validates it; returns
   * fieldNo << 3 | wireType as an unsigned number.
   */
  tag(): number {
    const b = this.buf[this.pos]!;
    if (b < 0x80 && b >= 8 && (b & 7) <= 5) {
      this.pos++;
      return b;
    }
    const start = this.pos;
    const tag = this.uint32();
    const read = this.pos - start;
    if (read > 5 || (read === 5 && this.buf[this.pos - 1]! > 0x0f)) {
      throw new Error("illegal tag: varint overflows uint32");
    }
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo <= 0 || wireType > 5) {
      throw new Error(`illegal tag: field no ${fieldNo} wire type ${wireType}`);
    }
    return tag >>> 0;
  }

  /** A 64-bit varint into lo and hi. */
  varint64(): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return this.end64(pos, lo, hi);
    }
    const middle = buf[pos++]!;
    lo |= (middle & 0x0f) << 28;
    hi = (middle & 0x70) >> 4;
    if ((middle & 0x80) === 0) return this.end64(pos, lo, hi);
    for (let shift = 3; shift <= 31; shift += 7) {
      const b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return this.end64(pos, lo, hi);
    }
    throw new Error("invalid varint");
  }

  /** Ends a 64-bit varint at pos (past the end of buf throws). */
  private end64(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.assertBounds();
    this.lo = lo;
    this.hi = hi;
  }

  /** An int32 varint. */
  int32(): number {
    return this.uint32() | 0;
  }

  /** A zigzag sint32 varint. */
  sint32(): number {
    const zze = this.uint32();
    return (zze >>> 1) ^ -(zze & 1);
  }

  /** A bool varint. */
  bool(): boolean {
    const b = this.buf[this.pos]!;
    if (b < 0x80) {
      this.pos++;
      return b !== 0;
    }
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** An int64 varint, as protoInt64 represents it. */
  int64(): bigint {
    this.varint64();
    return signed64(this.lo, this.hi);
  }

  /** A uint64 varint, as protoInt64 represents it. */
  uint64(): bigint {
    this.varint64();
    return unsigned64(this.lo, this.hi);
  }

  /** A zigzag sint64 varint. */
  sint64(): bigint {
    this.varint64();
    const s = -(this.lo & 1);
    const lo = ((this.lo >>> 1) | ((this.hi & 1) << 31)) ^ s;
    const hi = (this.hi >>> 1) ^ s;
    return signed64(lo, hi);
  }

  /** Checks that n more bytes are there, as a DataView read would. */
  private need(n: number): void {
    if (this.pos + n > this.len) throw new RangeError("Offset is outside the bounds of the DataView");
  }

  /** A little-endian signed 32-bit integer (no bounds check). */
  private word(): number {
    const buf = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
  }

  /** A fixed32. */
  fixed32(): number {
    this.need(4);
    return this.word() >>> 0;
  }

  /** A sfixed32. */
  sfixed32(): number {
    this.need(4);
    return this.word();
  }

  /** A fixed64. */
  fixed64(): bigint {
    this.need(4);
    const lo = this.word();
    this.need(4);
    return unsigned64(lo, this.word());
  }

  /** A sfixed64. */
  sfixed64(): bigint {
    this.need(4);
    const lo = this.word();
    this.need(4);
    return signed64(lo, this.word());
  }

  /** A float, read through a DataView as BinaryReader reads it. */
  float(): number {
    this.need(4);
    scratch.setInt32(0, this.word(), true);
    return scratch.getFloat32(0, true);
  }

  /** A double, read through a DataView as BinaryReader reads it. */
  double(): number {
    this.need(8);
    scratch.setInt32(0, this.word(), true);
    scratch.setInt32(4, this.word(), true);
    return scratch.getFloat64(0, true);
  }

  /** A bytes field: a view into buf, as BinaryReader.bytes() returns. */
  bytes(): Uint8Array {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    this.assertBounds();
    return this.buf.subarray(start, start + len);
  }

  /**
   * A string field, decoded as BinaryReader.string() decodes it (through
   * protobuf-es's text encoding; strict throws on invalid UTF-8).
   */
  string(strict: boolean): string {
    const len = this.uint32();
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    this.assertBounds();
    const buf = this.buf;
    if (len <= asciiMax) {
      let s = "";
      for (let i = start; i < end; i++) {
        const b = buf[i]!;
        if (b > 0x7f) return getTextEncoding().decodeUtf8(buf.subarray(start, end), strict);
        s += String.fromCharCode(b);
      }
      return s;
    }
    return getTextEncoding().decodeUtf8(buf.subarray(start, end), strict);
  }

  /**
   * Skips one field's value after its tag, as BinaryReader.skip() does, and
   * returns the skipped bytes (a view into buf).
   */
  skip(wireType: number, fieldNo: number, limit: number): Uint8Array {
    const start = this.pos;
    switch (wireType) {
      case wireVarint:
        while (this.buf[this.pos++]! & 0x80) {
          // a varint of any length
        }
        break;
      case wireBit64:
        this.pos += 8;
        break;
      case wireBit32:
        this.pos += 4;
        break;
      case wireLengthDelimited: {
        const len = this.uint32();
        this.pos += len;
        break;
      }
      case wireStartGroup:
        if (limit <= 0) throw new Error("maximum recursion depth reached");
        for (;;) {
          const tag = this.tag();
          const wt = tag & 7;
          if (wt === wireEndGroup) {
            if (tag >>> 3 !== fieldNo) throw new Error("invalid end group tag");
            break;
          }
          this.skip(wt, tag >>> 3, limit - 1);
        }
        break;
      default:
        throw new Error(`cant skip wire type ${wireType}`);
    }
    this.assertBounds();
    return this.buf.subarray(start, this.pos);
  }
}

/** Strings up to this length are tried as ASCII first (as BinaryReader does, though any length decodes the same). */
const asciiMax = 32;

/** A signed 64-bit integer from its words, as protoInt64.dec() returns it. */
function signed64(lo: number, hi: number): bigint {
  if (bigints && hi === 0 && lo >= 0) return BigInt(lo);
  return protoInt64.dec(lo, hi);
}

/** An unsigned 64-bit integer from its words, as protoInt64.uDec() returns it. */
function unsigned64(lo: number, hi: number): bigint {
  if (bigints && hi === 0) return BigInt(lo >>> 0);
  return protoInt64.uDec(lo, hi);
}
