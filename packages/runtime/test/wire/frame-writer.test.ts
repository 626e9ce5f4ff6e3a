/**
 * FrameWriter's batch encoding with a shared envelope encoding: a quorum
 * call writes the same request envelope to every node stream, and only the
 * first stream to flush it encodes it; the others copy its bytes.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/gen/stream_pb.js";
import { EncodedMessage } from "../../src/wire/encoded-message.js";
import { STREAM_ENVELOPE } from "../../src/wire/envelope-format.js";
import { ORDERING_ENVELOPE } from "../../src/wire/ordering-envelope.js";
import { encodeBatch } from "../../src/wire/grpc/frame-writer.js";
import { encodeFrames, FrameDecoder } from "../../src/wire/grpc/grpc-frame.js";
import { decodeMessage, encodeMessage } from "../../src/wire/message-codec.js";
import { metadataEntries, requestMessage } from "../../src/wire/message.js";

const request = (seq: bigint, payload: number[]): Message =>
  requestMessage(seq, "benchmark.Benchmark.QuorumCall", new Uint8Array(payload), metadataEntries({ k: "v" }));

/** The messages of a Buffer of frames. */
function decodeFrames(frames: Buffer): Message[] {
  const out: Message[] = [];
  new FrameDecoder((bytes) => out.push(decodeMessage(bytes))).push(frames);
  return out;
}

describe("encodeBatch with shared encodings", () => {
  it("the first batch encodes a shared message and keeps its bytes; the next copies them, frame for frame", () => {
    const msg = request(7n, [1, 2, 3]);
    const shared = new EncodedMessage();
    const first = encodeBatch([msg], [shared]);
    expect(Buffer.from(shared.bytes!)).toEqual(encodeMessage(msg));
    const second = encodeBatch([msg], [shared]);
    expect(second).toEqual(first);
    expect(second).toEqual(encodeFrames([encodeMessage(msg)]));
  });

  it("writes the shared bytes as they are, without encoding the message again", () => {
    const msg = request(7n, [1, 2, 3]);
    const other = request(8n, [9, 9, 9, 9]);
    const shared = new EncodedMessage();
    shared.bytes = encodeMessage(other); // as if another writer had encoded it
    shared.format = STREAM_ENVELOPE;
    const frames = encodeBatch([msg], [shared]);
    expect(decodeFrames(frames)).toEqual([decodeMessage(encodeMessage(other))]);
  });

  it("mixes shared, already shared and unshared messages in one batch, in order", () => {
    const a = request(1n, [1]);
    const b = request(2n, []);
    const c = request(3n, [3, 3]);
    const sharedA = new EncodedMessage();
    const sharedC = new EncodedMessage();
    encodeBatch([c], [sharedC]); // another stream wrote c first
    const frames = encodeBatch([a, b, c], [sharedA, undefined, sharedC]);
    expect(frames).toEqual(encodeFrames([a, b, c].map((m) => encodeMessage(m))));
    expect(decodeFrames(frames).map((m) => m.messageSeqNo)).toEqual([1n, 2n, 3n]);
    expect(Buffer.from(sharedA.bytes!)).toEqual(encodeMessage(a));
  });

  it("a stream of another envelope format encodes the message itself and leaves the shared bytes alone", () => {
    const msg = request(9n, [4, 5]);
    const shared = new EncodedMessage();
    const current = encodeBatch([msg], [shared]); // a stream.Message stream flushed first
    const kept = shared.bytes;
    const ordering = encodeBatch([msg], [shared], ORDERING_ENVELOPE);
    expect(shared.bytes).toBe(kept);
    expect(shared.format).toBe(STREAM_ENVELOPE);
    const body = ordering.subarray(5);
    expect(ordering.readUInt32BE(1)).toBe(body.byteLength);
    expect(ORDERING_ENVELOPE.decode(body)).toEqual(decodeMessage(current.subarray(5)));
    // And the other way round: bytes an ordering stream shared are not copied into a stream.Message frame.
    const fromOrdering = new EncodedMessage();
    encodeBatch([msg], [fromOrdering], ORDERING_ENVELOPE);
    expect(encodeBatch([msg], [fromOrdering])).toEqual(current);
  });
});
