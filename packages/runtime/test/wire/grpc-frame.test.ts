/**
 * gRPC framing and status helpers of the node:http2 NodeStream: 5-byte
 * length-prefixed frames split across chunks and packed within one,
 * oversized frames (ResourceExhausted), the compressed flag and other flag
 * bits (Internal), grpc-message percent-encoding, grpc-timeout parsing,
 * trailer status parsing, and the receive queue's flow control.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { encodeFrame, encodeFrames, FrameDecoder } from "../../src/wire/grpc/grpc-frame.js";
import { decodeGrpcMessage, encodeGrpcMessage, grpcStatusTrailers, statusFromMetadata } from "../../src/wire/grpc/trailer-status.js";
import { isGrpcProtoContentType } from "../../src/wire/grpc/content-type.js";
import { parseGrpcTimeout } from "../../src/wire/parse-timeout.js";
import { MessageQueue } from "../../src/wire/message-queue.js";

function bytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = (i * 7 + seed) & 0xff;
  }
  return b;
}

function collect(max?: number): { decoder: FrameDecoder; got: Uint8Array[] } {
  const got: Uint8Array[] = [];
  return { decoder: new FrameDecoder((m) => got.push(Uint8Array.from(m)), max), got };
}

function codeOf(fn: () => void): Code | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ConnectError ? err.code : undefined;
  }
  return undefined;
}

describe("gRPC frames", () => {
  it("encodes a flag byte 0 and a big-endian length", () => {
    const f = encodeFrame(new Uint8Array([9, 8, 7]));
    expect([...f]).toEqual([0, 0, 0, 0, 3, 9, 8, 7]);
    const two = encodeFrames([new Uint8Array([1]), new Uint8Array(0), bytes(300)]);
    expect(two.byteLength).toBe(5 + 1 + 5 + 0 + 5 + 300);
    expect(two.readUInt32BE(12)).toBe(300);
  });

  it("decodes many messages packed in one chunk, in order", () => {
    const msgs = Array.from({ length: 100 }, (_, i) => bytes(i % 17, i));
    const { decoder, got } = collect();
    decoder.push(encodeFrames(msgs));
    expect(got).toEqual(msgs);
    expect(decoder.buffered).toBe(0);
  });

  it("decodes frames split at every possible byte boundary", () => {
    const msgs = [bytes(3, 1), bytes(0), bytes(40, 2), bytes(6, 3)];
    const wire = encodeFrames(msgs);
    for (let cut = 1; cut < wire.byteLength; cut++) {
      const { decoder, got } = collect();
      decoder.push(wire.subarray(0, cut));
      decoder.push(wire.subarray(cut));
      expect(got).toEqual(msgs);
    }
  });

  it("decodes a stream fed one byte at a time", () => {
    const msgs = [bytes(70, 5), bytes(1, 6), bytes(0), bytes(513, 7)];
    const wire = encodeFrames(msgs);
    const { decoder, got } = collect();
    for (let i = 0; i < wire.byteLength; i++) {
      decoder.push(wire.subarray(i, i + 1));
      if (i < wire.byteLength - 1) {
        expect(got.length).toBeLessThan(msgs.length);
      }
    }
    expect(got).toEqual(msgs);
    expect(decoder.buffered).toBe(0);
  });

  it("holds an incomplete frame until its last byte", () => {
    const { decoder, got } = collect();
    const wire = encodeFrames([bytes(10), bytes(10, 1)]);
    decoder.push(wire.subarray(0, 22));
    expect(got.length).toBe(1);
    expect(decoder.buffered).toBe(7);
    decoder.push(wire.subarray(22));
    expect(got.length).toBe(2);
  });

  it("rejects a message larger than the maximum with ResourceExhausted, before buffering it", () => {
    const { decoder, got } = collect(16);
    decoder.push(encodeFrame(bytes(16)));
    expect(got.length).toBe(1);
    const big = encodeFrame(bytes(17));
    expect(codeOf(() => decoder.push(big.subarray(0, 5)))).toBe(Code.ResourceExhausted);
    // The decoder stays failed.
    expect(codeOf(() => decoder.push(encodeFrame(bytes(1))))).toBe(Code.ResourceExhausted);
  });

  it("defaults to a 4 MiB maximum", () => {
    const { decoder } = collect();
    const header = Buffer.from([0, 0, 0x40, 0, 1]); // 4 MiB + 1
    expect(codeOf(() => decoder.push(header))).toBe(Code.ResourceExhausted);
    const ok = collect();
    expect(codeOf(() => ok.decoder.push(Buffer.from([0, 0, 0x40, 0, 0])))).toBeUndefined();
  });

  it("rejects the compressed flag (no compressor negotiated) and unknown flags with Internal", () => {
    const compressed = Buffer.from([1, 0, 0, 0, 1, 42]);
    expect(codeOf(() => collect().decoder.push(compressed))).toBe(Code.Internal);
    const garbage = Buffer.from([0x80, 1, 2, 3, 4, 5]);
    expect(codeOf(() => collect().decoder.push(garbage))).toBe(Code.Internal);
    // A bad header split across chunks is caught when complete.
    const { decoder } = collect();
    decoder.push(compressed.subarray(0, 2));
    expect(codeOf(() => decoder.push(compressed.subarray(2)))).toBe(Code.Internal);
  });
});

describe("gRPC status metadata", () => {
  it("percent-encodes grpc-message like gRPC and decodes it back", () => {
    expect(encodeGrpcMessage("plain text")).toBe("plain text");
    expect(encodeGrpcMessage("100% sure")).toBe("100%25 sure");
    expect(encodeGrpcMessage("a\nb")).toBe("a%0Ab");
    expect(encodeGrpcMessage("ünï")).toBe("%C3%BCn%C3%AF");
    for (const s of ["", "100% sure", "ünïcode ✓\r\n", "%zz"]) {
      expect(decodeGrpcMessage(encodeGrpcMessage(s))).toBe(s);
    }
    // Malformed percent-encoding is kept as sent.
    expect(decodeGrpcMessage("50%")).toBe("50%");
  });

  it("writes and reads grpc-status trailers", () => {
    expect(grpcStatusTrailers(undefined)).toEqual({ "grpc-status": "0" });
    const t = grpcStatusTrailers(new ConnectError("no 100%", Code.PermissionDenied));
    expect(t).toEqual({ "grpc-status": "7", "grpc-message": "no 100%25" });
    expect(statusFromMetadata({})).toBeUndefined();
    expect(statusFromMetadata({ "grpc-status": "0" })).toBeNull();
    const err = statusFromMetadata({ "grpc-status": "7", "grpc-message": "no 100%25" });
    expect(err?.code).toBe(Code.PermissionDenied);
    expect(err?.rawMessage).toBe("no 100%");
    expect(statusFromMetadata({ "grpc-status": "99" })?.code).toBe(Code.Internal);
    expect(statusFromMetadata({ "grpc-status": "x" })?.code).toBe(Code.Internal);
  });

  it("recognizes gRPC-proto content types only", () => {
    expect(isGrpcProtoContentType("application/grpc")).toBe(true);
    expect(isGrpcProtoContentType("application/grpc+proto")).toBe(true);
    expect(isGrpcProtoContentType("Application/GRPC; charset=utf-8")).toBe(true);
    expect(isGrpcProtoContentType("application/grpc+json")).toBe(false);
    expect(isGrpcProtoContentType("application/connect+proto")).toBe(false);
    expect(isGrpcProtoContentType("application/grpc-web")).toBe(false);
    expect(isGrpcProtoContentType(undefined)).toBe(false);
  });

  it("parses grpc-timeout", () => {
    expect(parseGrpcTimeout("100m")).toBe(100);
    expect(parseGrpcTimeout("2S")).toBe(2000);
    expect(parseGrpcTimeout("1M")).toBe(60_000);
    expect(parseGrpcTimeout("1H")).toBe(3_600_000);
    expect(parseGrpcTimeout("5000u")).toBe(5);
    expect(parseGrpcTimeout("3000000n")).toBe(3);
    expect(parseGrpcTimeout("123456789m")).toBeUndefined();
    expect(parseGrpcTimeout("10x")).toBeUndefined();
    expect(parseGrpcTimeout(undefined)).toBeUndefined();
  });
});

describe("MessageQueue", () => {
  it("yields in order, ends after the queued messages, throws an error once", async () => {
    const q = new MessageQueue<number>({ pause: () => {}, resume: () => {}, stopped: () => {} });
    q.push(1);
    q.push(2);
    const boom = new Error("boom");
    q.end(boom);
    q.push(3); // ignored after the end
    expect(await q.next()).toEqual({ done: false, value: 1 });
    expect(await q.next()).toEqual({ done: false, value: 2 });
    await expect(q.next()).rejects.toBe(boom);
    expect((await q.next()).done).toBe(true);
  });

  it("pauses the producer above the high-water mark and resumes when drained", async () => {
    const events: string[] = [];
    const q = new MessageQueue<number>({ pause: () => events.push("pause"), resume: () => events.push("resume"), stopped: () => events.push("stopped") });
    for (let i = 0; i < 2000; i++) {
      q.push(i);
    }
    expect(events).toEqual(["pause"]);
    for (let i = 0; i < 2000; i++) {
      expect((await q.next()).value).toBe(i);
    }
    expect(events).toEqual(["pause", "resume"]);
    q.push(0, 2 << 20); // one big message
    expect(events).toEqual(["pause", "resume", "pause"]);
    await q.return();
    expect(events.at(-1)).toBe("stopped");
  });

  it("hands a pushed message to a waiting reader", async () => {
    const q = new MessageQueue<string>({ pause: () => {}, resume: () => {}, stopped: () => {} });
    const pending = q.next();
    q.push("a");
    expect(await pending).toEqual({ done: false, value: "a" });
    const ended = q.next();
    q.end();
    expect((await ended).done).toBe(true);
  });
});
