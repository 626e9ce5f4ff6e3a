/**
 * The envelope of the Go Gorums v0.11.0 release (its `gorums` codec): the
 * varint length of an ordering.Metadata, the Metadata, the varint length
 * of the application message, the message. Expected bytes are built here
 * the way that codec's gorumsMarshal builds them (protowire.AppendVarint,
 * then proto.MarshalAppend), from protobuf-es's encoding of the Metadata.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { MessageSchema, MetadataEntrySchema, type Message } from "../../src/gen/stream_pb.js";
import { StatusSchema } from "../../src/gen/google/rpc/status_pb.js";
import { ORDERING_ENVELOPE } from "../../src/wire/ordering-envelope.js";
import { requestMessage, metadataEntries } from "../../src/wire/message.js";

/** Go's protowire.AppendVarint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** The frame body gorumsMarshal writes for this Metadata and message. */
function goLayout(md: Message, message: Uint8Array): Buffer {
  const mdBytes = toBinary(MessageSchema, { ...md, payload: new Uint8Array(0) });
  return Buffer.from([...varint(mdBytes.byteLength), ...mdBytes, ...varint(message.byteLength), ...message]);
}

function encode(msg: Message): Buffer {
  const buf = Buffer.alloc(ORDERING_ENVELOPE.size(msg));
  const end = ORDERING_ENVELOPE.encodeInto(msg, buf, 0);
  expect(end).toBe(buf.byteLength);
  return buf;
}

describe("ORDERING_ENVELOPE (Go Gorums v0.11.0's frame layout)", () => {
  const payload = new Uint8Array(200).map((_, i) => i); // a message length that takes a two-byte varint

  it("encodes a request as Go's codec does: metadata length, metadata, message length, message", () => {
    const msg = requestMessage(42n, "benchmark.Benchmark.QuorumCall", payload, metadataEntries({ trace: "abc" }));
    expect(encode(msg)).toEqual(goLayout(msg, payload));
  });

  it("encodes an error reply with an empty message as a zero length, as Go writes a nil message", () => {
    const msg = create(MessageSchema, { messageSeqNo: 7n, method: "benchmark.Benchmark.QuorumCall", status: create(StatusSchema, { code: Code.NotFound, message: "no such key" }) });
    const bytes = encode(msg);
    expect(bytes).toEqual(goLayout(msg, new Uint8Array(0)));
    expect(bytes[bytes.byteLength - 1]).toBe(0);
  });

  it("decodes what it encodes, and what Go's codec writes, to the same Message", () => {
    const msg = create(MessageSchema, {
      messageSeqNo: (1n << 63n) + 5n,
      method: "storage.Storage.Write",
      entry: [create(MetadataEntrySchema, { key: "k", value: "v" })],
      payload,
    });
    const decoded = ORDERING_ENVELOPE.decode(goLayout(msg, payload));
    expect(decoded).toEqual({ ...msg, $typeName: "stream.Message" });
    expect(ORDERING_ENVELOPE.decode(encode(msg))).toEqual(decoded);
  });

  it("decodes a frame that ends after the metadata as a message without payload", () => {
    const md = requestMessage(3n, "a.B.C", new Uint8Array(0), []);
    const mdBytes = toBinary(MessageSchema, md);
    const decoded = ORDERING_ENVELOPE.decode(Buffer.from([...varint(mdBytes.byteLength), ...mdBytes]));
    expect(decoded.messageSeqNo).toBe(3n);
    expect(decoded.payload.byteLength).toBe(0);
  });

  it.each([
    ["an empty frame", []],
    ["a metadata length past the frame", [5, 0x08, 1]],
    ["a message length past the frame", [2, 0x08, 1, 9, 1, 2]],
    ["bytes after the message", [2, 0x08, 1, 1, 7, 7]],
    ["a metadata that is not protobuf", [2, 0xff, 0xff, 0]],
    ["a payload field inside the metadata", [4, 0x2a, 2, 1, 2, 0]],
    ["a length varint that never ends", [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]],
  ])("throws on %s", (_, bytes) => {
    expect(() => ORDERING_ENVELOPE.decode(new Uint8Array(bytes))).toThrow();
  });
});
