/**
 * The hand-written stream.Message codec of the node:http2 NodeStream
 * against protobuf-es: the same bytes as toBinary and the same objects as
 * fromBinary, over edge values (varint boundaries, the high sequence bit,
 * negative status codes, non-ASCII and long strings, large payloads, status
 * details, metadata), unknown fields skipped, and malformed input rejected.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { StatusSchema } from "../../src/gen/google/rpc/status_pb.js";
import { type Message, MessageSchema } from "../../src/gen/stream_pb.js";
import { decodeMessage, encodeMessage, encodeMessageInto, messageSize } from "../../src/wire/message-codec.js";

const SEQS = [0n, 1n, 127n, 128n, 16383n, 16384n, (1n << 32n) - 1n, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, 1n << 63n, (1n << 63n) | 5n, (1n << 64n) - 1n];
const STRINGS = ["", "a", "testsvc.TestService.EchoQC", "ünïcode ✓ 𝄞", "x".repeat(127), "y".repeat(128), "z".repeat(300), "é".repeat(70)];
const CODES = [0, 1, 16, 127, 128, -1, -2147483648, 2147483647];

/** A deterministic pseudo-random source. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function bytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = Math.floor(r() * 256);
  }
  return b;
}

function randomMessage(r: () => number): Message {
  const m = create(MessageSchema, {
    messageSeqNo: pick(r, SEQS),
    method: pick(r, STRINGS),
    payload: bytes(r, pick(r, [0, 1, 16, 127, 128, 1000])),
    entry: Array.from({ length: Math.floor(r() * 3) }, () => ({ key: pick(r, STRINGS), value: pick(r, STRINGS) })),
  });
  if (r() < 0.4) {
    m.status = create(StatusSchema, {
      code: pick(r, CODES),
      message: pick(r, STRINGS),
      details: Array.from({ length: Math.floor(r() * 3) }, () => ({ typeUrl: pick(r, STRINGS), value: bytes(r, pick(r, [0, 3, 200])) })),
    });
  }
  return m;
}

describe("stream.Message codec", () => {
  it("writes exactly the bytes protobuf-es writes, and reads them back to equal objects", () => {
    const r = rng(42);
    for (let i = 0; i < 300; i++) {
      const m = randomMessage(r);
      const expected = toBinary(MessageSchema, m);
      const ours = encodeMessage(m);
      expect(messageSize(m)).toBe(expected.byteLength);
      expect(Buffer.compare(ours, expected)).toBe(0);
      expect(decodeMessage(expected)).toEqual(fromBinary(MessageSchema, expected));
    }
  });

  it("covers every edge value of each field on its own", () => {
    const cases: Message[] = [
      ...SEQS.map((s) => create(MessageSchema, { messageSeqNo: s })),
      ...STRINGS.map((s) => create(MessageSchema, { method: s, entry: [{ key: s, value: s }] })),
      ...CODES.map((code) => create(MessageSchema, { status: { code } })),
      create(MessageSchema, { status: {} }), // present but empty
    ];
    for (const m of cases) {
      const expected = toBinary(MessageSchema, m);
      expect(Buffer.compare(encodeMessage(m), expected)).toBe(0);
      const decoded = decodeMessage(expected);
      expect(decoded).toEqual(fromBinary(MessageSchema, expected));
      expect(decoded.messageSeqNo).toBe(m.messageSeqNo);
    }
  });

  it("every uint64 width: 2,000 random sequence numbers of 1 to 64 bits, the high bit among them", () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const bits = 1 + Math.floor(r() * 64);
      let v = 0n;
      for (let b = 0; b < bits; b += 16) {
        v = (v << 16n) | BigInt(Math.floor(r() * 0x10000));
      }
      v = BigInt.asUintN(bits, v) | (1n << BigInt(bits - 1));
      const m = create(MessageSchema, { messageSeqNo: r() < 0.5 ? v : v | (1n << 63n) });
      const expected = toBinary(MessageSchema, m);
      expect(messageSize(m)).toBe(expected.byteLength);
      expect(Buffer.compare(encodeMessage(m), expected)).toBe(0);
      expect(decodeMessage(expected).messageSeqNo).toBe(m.messageSeqNo);
    }
  });

  it("a sequence number outside 0..2^64−1 is written as its low 64 bits, and sized as written", () => {
    for (const [v, low] of [
      [(1n << 64n) + 5n, 5n],
      [-1n, (1n << 64n) - 1n],
      [(1n << 70n) | (1n << 63n), 1n << 63n],
    ] as const) {
      const m = create(MessageSchema, { messageSeqNo: v });
      const bytes = encodeMessage(m);
      expect(bytes.byteLength).toBe(messageSize(m));
      expect(decodeMessage(bytes).messageSeqNo).toBe(low);
    }
  });

  it("a 10-byte varint with bits past 64 reads as protobuf-es reads it", () => {
    // Field 1 (varint): 0xff × 9, then 0x7f — 70 bits, of which 64 count.
    const overlong = new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    expect(decodeMessage(overlong).messageSeqNo).toBe(fromBinary(MessageSchema, overlong).messageSeqNo);
  });

  it("handles a large payload (multi-byte lengths)", () => {
    const m = create(MessageSchema, { messageSeqNo: 1n, payload: bytes(rng(1), 70000) });
    const expected = toBinary(MessageSchema, m);
    expect(Buffer.compare(encodeMessage(m), expected)).toBe(0);
    expect(Buffer.compare(Buffer.from(decodeMessage(expected).payload), Buffer.from(m.payload))).toBe(0);
  });

  it("encodes in place at an offset", () => {
    const m = create(MessageSchema, { messageSeqNo: 9n, method: "a.B.C", payload: new Uint8Array([1, 2, 3]) });
    const buf = Buffer.alloc(3 + messageSize(m) + 2, 0xee);
    expect(encodeMessageInto(m, buf, 3)).toBe(3 + messageSize(m));
    expect(Buffer.compare(buf.subarray(3, 3 + messageSize(m)), toBinary(MessageSchema, m))).toBe(0);
    expect(buf[2]).toBe(0xee);
    expect(buf[buf.length - 1]).toBe(0xee);
  });

  it("skips unknown fields of every wire type", () => {
    const known = toBinary(MessageSchema, create(MessageSchema, { messageSeqNo: 5n, method: "m" }));
    const unknown = Buffer.from([
      0x30, 0x96, 0x01, // field 6 varint
      0x39, 1, 2, 3, 4, 5, 6, 7, 8, // field 7 fixed64
      0x42, 0x02, 0xaa, 0xbb, // field 8 bytes
      0x4d, 1, 2, 3, 4, // field 9 fixed32
      0xf8, 0x01, 0x01, // field 31 varint (two-byte tag)
    ]);
    const m = decodeMessage(Buffer.concat([unknown, known, unknown]));
    expect(m.messageSeqNo).toBe(5n);
    expect(m.method).toBe("m");
  });

  it("reuses decoded method strings only when the bytes are equal", () => {
    const a = decodeMessage(encodeMessage(create(MessageSchema, { method: "pkg.Svc.Aaa" })));
    const b = decodeMessage(encodeMessage(create(MessageSchema, { method: "pkg.Svc.Bbb" })));
    const c = decodeMessage(encodeMessage(create(MessageSchema, { method: "pkg.Svc.Aaa" })));
    expect([a.method, b.method, c.method]).toEqual(["pkg.Svc.Aaa", "pkg.Svc.Bbb", "pkg.Svc.Aaa"]);
  });

  it("rejects malformed input", () => {
    const good = encodeMessage(create(MessageSchema, { messageSeqNo: 300n, method: "abc", payload: new Uint8Array(10), status: { code: 3, message: "x" } }));
    // Every strict prefix that cuts a field short fails, as with protobuf-es.
    for (let cut = 1; cut < good.byteLength; cut++) {
      const prefix = good.subarray(0, cut);
      let theirs = false;
      try {
        fromBinary(MessageSchema, prefix);
      } catch {
        theirs = true;
      }
      let ours = false;
      try {
        decodeMessage(prefix);
      } catch {
        ours = true;
      }
      expect(ours, `cut at ${cut}`).toBe(theirs);
    }
    expect(() => decodeMessage(new Uint8Array([0x0f]))).toThrow(); // wire type 7
    expect(() => decodeMessage(new Uint8Array([0x00, 0x01]))).toThrow(); // field 0
    expect(() => decodeMessage(new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(); // 11-byte varint
    // A submessage whose field runs past the submessage's end.
    expect(() => decodeMessage(new Uint8Array([0x1a, 0x02, 0x12, 0x05, 0x08, 0x01, 0x08, 0x01, 0x08]))).toThrow();
  });
});
