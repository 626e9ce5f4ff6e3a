import type { Message, MetadataEntry } from "../gen/stream_pb.js";
import type { Status } from "../gen/google/rpc/status_pb.js";

/**
 * A hand-written protobuf codec for `stream.Message` (and the
 * google.rpc.Status / google.protobuf.Any / stream.MetadataEntry inside it),
 * byte-for-byte what protobuf-es's `toBinary(MessageSchema, …)` writes and
 * decoding to the same objects `fromBinary` returns (unknown fields are
 * skipped, not kept). The NodeStream's hot path: sizes are computed first so
 * that a whole batch of frames is encoded into one buffer without
 * intermediate allocations, and decoding reads fields straight into plain
 * objects. Conformance with protobuf-es is checked in
 * test/wire/message-codec.test.ts.
 */

type Any = Status["details"][number];

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

// ------------------------------------------------------------------ sizes

/** Bytes of a varint of a non-negative integer below 2^53. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  n = Math.floor(n / 0x10000000);
  while (n > 0) {
    size++;
    n = Math.floor(n / 0x80);
  }
  return size;
}

function uint64Size(v: bigint): number {
  if (v >= 0n && v <= 0x1fffffffffffffn) {
    return varintSize(Number(v));
  }
  // Above 2^53 (e.g. a sequence number with the accepting side's high bit),
  // or out of range (its low 64 bits, as writeUint64 writes them): the bits
  // of the high half decide.
  const u = BigInt.asUintN(64, v);
  const hi = Number(u >> 32n);
  return hi === 0 ? varintSize(Number(u)) : Math.ceil((64 - Math.clz32(hi)) / 7);
}

/** Bytes of an int32 varint (negative values take 10 bytes, as in protobuf). */
function int32Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

/** UTF-8 length of a string (a loop for short ASCII strings, the runtime's count otherwise). */
function utf8Size(s: string): number {
  const n = s.length;
  if (n > 64) {
    return Buffer.byteLength(s, "utf8");
  }
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      return Buffer.byteLength(s, "utf8");
    }
  }
  return n;
}

function lenFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

function entrySize(e: MetadataEntry): number {
  let size = 0;
  if (e.key !== "") size += lenFieldSize(utf8Size(e.key));
  if (e.value !== "") size += lenFieldSize(utf8Size(e.value));
  return size;
}

function anySize(a: Any): number {
  let size = 0;
  if (a.typeUrl !== "") size += lenFieldSize(utf8Size(a.typeUrl));
  if (a.value.byteLength > 0) size += lenFieldSize(a.value.byteLength);
  return size;
}

function statusSize(s: Status): number {
  let size = 0;
  if (s.code !== 0) size += 1 + int32Size(s.code);
  if (s.message !== "") size += lenFieldSize(utf8Size(s.message));
  for (const d of s.details) size += lenFieldSize(anySize(d));
  return size;
}

/**
 * The encoded size of `msg`'s fields 1–4 (sequence number, method, status,
 * entries): the Message without its payload, which is what Go Gorums
 * v0.11.0 frames as its `ordering.Metadata`.
 */
export function metadataSize(msg: Message): number {
  let size = 0;
  if (msg.messageSeqNo !== 0n) size += 1 + uint64Size(msg.messageSeqNo);
  if (msg.method !== "") size += lenFieldSize(utf8Size(msg.method));
  if (msg.status !== undefined) size += lenFieldSize(statusSize(msg.status));
  for (const e of msg.entry) size += lenFieldSize(entrySize(e));
  return size;
}

/** The encoded size of `msg`, in bytes. */
export function messageSize(msg: Message): number {
  const payload = msg.payload.byteLength;
  return metadataSize(msg) + (payload > 0 ? lenFieldSize(payload) : 0);
}

// --------------------------------------------------------------- encoding

/** Writes a varint of a non-negative integer below 2^53 at `pos`; returns the new position. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = n >= 0x100000000 ? Math.floor(n / 128) : n >>> 7;
  }
  buf[pos++] = n;
  return pos;
}

function writeUint64(buf: Uint8Array, pos: number, v: bigint): number {
  if (v >= 0n && v <= 0x1fffffffffffffn) {
    return writeVarint(buf, pos, Number(v));
  }
  // Above 2^53, or out of range (its low 64 bits, as a uint64 field holds
  // them): as two 32-bit halves, shifted together 7 bits at a time.
  const u = BigInt.asUintN(64, v);
  let lo = Number(u & 0xffffffffn);
  let hi = Number(u >> 32n);
  while (hi > 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

function writeInt32(buf: Uint8Array, pos: number, n: number): number {
  if (n >= 0) {
    return writeVarint(buf, pos, n);
  }
  // Sign-extended to 64 bits: ten bytes.
  let lo = n >>> 0;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  // Bits 28..31 of the low word, then ones.
  buf[pos++] = (lo & 0x0f) | 0x70 | 0x80;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = 0xff;
  }
  buf[pos++] = 0x01;
  return pos;
}

/** Writes a string field (tag, length, UTF-8 bytes). */
function writeString(buf: Buffer, pos: number, tag: number, s: string): number {
  buf[pos++] = tag;
  const n = s.length;
  if (n < 0x80) {
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      buf[pos + 1 + i] = c;
    }
    if (ascii) {
      buf[pos] = n;
      return pos + 1 + n;
    }
  }
  const len = utf8Size(s);
  pos = writeVarint(buf, pos, len);
  buf.write(s, pos, len, "utf8");
  return pos + len;
}

function writeBytes(buf: Uint8Array, pos: number, tag: number, b: Uint8Array): number {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, b.byteLength);
  buf.set(b, pos);
  return pos + b.byteLength;
}

function writeStatus(buf: Buffer, pos: number, s: Status): number {
  if (s.code !== 0) {
    buf[pos++] = 0x08;
    pos = writeInt32(buf, pos, s.code);
  }
  if (s.message !== "") pos = writeString(buf, pos, 0x12, s.message);
  for (const d of s.details) {
    buf[pos++] = 0x1a;
    pos = writeVarint(buf, pos, anySize(d));
    if (d.typeUrl !== "") pos = writeString(buf, pos, 0x0a, d.typeUrl);
    if (d.value.byteLength > 0) pos = writeBytes(buf, pos, 0x12, d.value);
  }
  return pos;
}

/**
 * Encodes `msg` into `buf` at `pos` and returns the position after it.
 * `buf` must have `messageSize(msg)` bytes free there.
 */
export function encodeMessageInto(msg: Message, buf: Buffer, pos: number): number {
  pos = encodeMetadataInto(msg, buf, pos);
  if (msg.payload.byteLength > 0) pos = writeBytes(buf, pos, 0x2a, msg.payload);
  return pos;
}

/**
 * Encodes `msg`'s fields 1–4 (no payload) into `buf` at `pos` and returns
 * the position after them; `buf` must have `metadataSize(msg)` bytes free there.
 */
export function encodeMetadataInto(msg: Message, buf: Buffer, pos: number): number {
  if (msg.messageSeqNo !== 0n) {
    buf[pos++] = 0x08;
    pos = writeUint64(buf, pos, msg.messageSeqNo);
  }
  if (msg.method !== "") pos = writeString(buf, pos, 0x12, msg.method);
  if (msg.status !== undefined) {
    buf[pos++] = 0x1a;
    pos = writeVarint(buf, pos, statusSize(msg.status));
    pos = writeStatus(buf, pos, msg.status);
  }
  for (const e of msg.entry) {
    buf[pos++] = 0x22;
    pos = writeVarint(buf, pos, entrySize(e));
    if (e.key !== "") pos = writeString(buf, pos, 0x0a, e.key);
    if (e.value !== "") pos = writeString(buf, pos, 0x12, e.value);
  }
  return pos;
}

/** Encodes `msg` into a new buffer. */
export function encodeMessage(msg: Message): Buffer {
  const buf = Buffer.allocUnsafe(messageSize(msg));
  encodeMessageInto(msg, buf, 0);
  return buf;
}

// --------------------------------------------------------------- decoding

/** The payload of a message without one (zero bytes: nothing in it can change, so one is shared). */
const EMPTY_BYTES = new Uint8Array(0);

/** A read position over one message's bytes. */
class Reader {
  pos = 0;
  /** The end of the (sub)message being read. */
  end = 0;
  buf: Uint8Array = EMPTY_BYTES;

  /** Starts reading `buf` from its first byte. */
  reset(buf: Uint8Array): this {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.byteLength;
    return this;
  }

  /** Reads a submessage that ends at `end` with `read`, then checks that it ended there. */
  sub<T>(end: number, read: (r: Reader) => T): T {
    const outer = this.end;
    this.end = end;
    const v = read(this);
    if (this.pos !== end) {
      throw new Error("premature end of message");
    }
    this.end = outer;
    return v;
  }

  /** A varint as a Number (exact up to 2^53; used for tags, lengths, int32). */
  varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++] as number;
    if (b < 0x80) {
      this.check();
      return b;
    }
    let n = b & 0x7f;
    let mul = 0x80;
    for (let i = 1; i < 10; i++) {
      b = buf[this.pos++] as number;
      n += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.check();
        return n;
      }
      mul *= 0x80;
    }
    throw new Error("invalid varint");
  }

  /** A varint as a uint64 bigint. */
  uint64(): bigint {
    const start = this.pos;
    const buf = this.buf;
    // Fast path: up to 7 bytes (49 bits) fits a Number exactly.
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      const b = buf[this.pos++] as number;
      n += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.check();
        return BigInt(n);
      }
      mul *= 0x80;
    }
    // Longer: into two 32-bit halves (bits past 64 are dropped, as protobuf-es does), then one BigInt.
    this.pos = start;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = buf[this.pos++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        return this.joined(lo, hi);
      }
    }
    const middle = buf[this.pos++] as number;
    lo |= (middle & 0x0f) << 28;
    hi = (middle & 0x70) >> 4;
    if (middle < 0x80) {
      return this.joined(lo, hi);
    }
    for (let shift = 3; shift <= 31; shift += 7) {
      const b = buf[this.pos++] as number;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        return this.joined(lo, hi);
      }
    }
    throw new Error("invalid varint");
  }

  private joined(lo: number, hi: number): bigint {
    this.check();
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  /** An int32 varint (negative values arrive sign-extended to 64 bits). */
  int32(): number {
    const start = this.pos;
    const n = this.varint();
    if (this.pos - start < 10 && n <= 0x7fffffff) {
      return n;
    }
    this.pos = start;
    return Number(BigInt.asIntN(32, this.uint64()));
  }

  /** The end of a length-delimited field starting here. */
  lenEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) {
      throw new Error("premature end of message");
    }
    return end;
  }

  string(): string {
    const end = this.lenEnd();
    const s = utf8(this.buf, this.pos, end);
    this.pos = end;
    return s;
  }

  /** A plain Uint8Array view (not a Buffer, even when reading one), so that decoded bytes fields are Uint8Arrays as protobuf-es users expect. */
  bytes(): Uint8Array {
    const end = this.lenEnd();
    const b = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.pos, end - this.pos);
    this.pos = end;
    return b;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        while ((this.buf[this.pos++] as number) & 0x80) {
          // skip
        }
        break;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.pos = this.lenEnd();
        break;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        throw new Error(`cannot skip wire type ${wireType}`);
    }
    this.check();
  }

  private check(): void {
    if (this.pos > this.end) {
      throw new Error("premature end of message");
    }
  }
}

/** The last strings decoded, by byte length: method names repeat from message to message. */
const recent = new Map<number, { bytes: Uint8Array; text: string }>();

/** Decodes UTF-8 (reusing the last string of that length when the bytes are equal). */
function utf8(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len === 0) {
    return "";
  }
  if (len > 96) {
    return Buffer.from(buf.buffer, buf.byteOffset + start, len).toString("utf8");
  }
  const hit = recent.get(len);
  if (hit !== undefined) {
    const bytes = hit.bytes;
    let same = true;
    for (let i = 0; i < len; i++) {
      if (bytes[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      return hit.text;
    }
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, len).toString("utf8");
  recent.set(len, { bytes: buf.slice(start, end), text });
  return text;
}

function readEntry(r: Reader): MetadataEntry {
  const e: MetadataEntry = { $typeName: "stream.MetadataEntry", key: "", value: "" };
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) e.key = r.string();
    else if (tag === 0x12) e.value = r.string();
    else r.skip(tag & 7);
  }
  return e;
}

function readAny(r: Reader): Any {
  const a: Any = { $typeName: "google.protobuf.Any", typeUrl: "", value: new Uint8Array(0) };
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) a.typeUrl = r.string();
    else if (tag === 0x12) a.value = r.bytes();
    else r.skip(tag & 7);
  }
  return a;
}

function readStatus(r: Reader, into: Status | undefined): Status {
  const s: Status = into ?? { $typeName: "google.rpc.Status", code: 0, message: "", details: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x08) s.code = r.int32();
    else if (tag === 0x12) s.message = r.string();
    else if (tag === 0x1a) s.details.push(r.sub(r.lenEnd(), readAny));
    else r.skip(tag & 7);
  }
  return s;
}

/**
 * Decodes a `stream.Message` from `bytes` (the bytes field `payload` is a
 * plain Uint8Array view into them, as with protobuf-es). Throws on malformed input.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  const msg: Message = { $typeName: "stream.Message", messageSeqNo: 0n, method: "", entry: [], payload: EMPTY_BYTES };
  // One reader for every message: decoding runs start to end without calling out.
  const r = reader.reset(bytes);
  try {
    readMessage(r, msg);
  } finally {
    r.reset(EMPTY_BYTES); // keeps no chunk alive
  }
  return msg;
}

const reader = new Reader();

function readMessage(r: Reader, msg: Message): void {
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 0x08:
        msg.messageSeqNo = r.uint64();
        break;
      case 0x12:
        msg.method = r.string();
        break;
      case 0x1a: {
        // A repeated occurrence of a message field merges into the first.
        const into = msg.status;
        msg.status = r.sub(r.lenEnd(), (sr) => readStatus(sr, into));
        break;
      }
      case 0x22:
        msg.entry.push(r.sub(r.lenEnd(), readEntry));
        break;
      case 0x2a:
        msg.payload = r.bytes();
        break;
      default:
        if (tag >>> 3 === 0) {
          throw new Error("invalid field number 0");
        }
        r.skip(tag & 7);
    }
  }
}
