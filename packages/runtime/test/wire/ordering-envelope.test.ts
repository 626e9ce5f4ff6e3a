/**
 * The envelope of the Go Gorums v0.11.0 release (its `gorums` codec): the
 * varint length of an ordering.Metadata, the Metadata, the varint length
 * of the application message, the message. Expected bytes are built here
 * the way that codec's gorumsMarshal builds them (protowire.AppendVarint,
 * then proto.MarshalAppend), from protobuf-es's encoding of the Metadata,
 * and two frames are the bytes the release's codec itself wrote
 * (interop/go-release/cmd/gorums-release-peer/codec_test.go checks them
 * against the release on every CI run).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { MessageSchema, MetadataEntrySchema, type Message } from "../../src/gen/stream_pb.js";
import { StatusSchema } from "../../src/gen/google/rpc/status_pb.js";
import { ORDERING_ENVELOPE } from "../../src/wire/ordering-envelope.js";
import { requestMessage, metadataEntries } from "../../src/wire/message.js";
import { ReadRequestSchema } from "../../../../examples/storage/src/gen/storage/storage_pb.js";

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

/** Written by Go Gorums v0.11.0's gorums.Codec (see codec_test.go in interop/go-release). */
const RELEASE_REQUEST_HEX = "26082a121470726f746f2e53746f726167652e526561645143220c0a0574726163651203616263030a016b";
const RELEASE_ERROR_REPLY_HEX = "29082a121470726f746f2e53746f726167652e526561645143" + "1a0f0805120b6e6f2073756368206b657900";

describe("ORDERING_ENVELOPE (Go Gorums v0.11.0's frame layout)", () => {
  it("writes and reads the very bytes the release's codec writes, for a request and an error reply", () => {
    const request = requestMessage(42n, "proto.Storage.ReadQC", toBinary(ReadRequestSchema, create(ReadRequestSchema, { key: "k" })), metadataEntries({ trace: "abc" }));
    expect(encode(request).toString("hex")).toBe(RELEASE_REQUEST_HEX);
    expect(ORDERING_ENVELOPE.decode(Buffer.from(RELEASE_REQUEST_HEX, "hex"))).toEqual(ORDERING_ENVELOPE.decode(encode(request)));
    const reply = create(MessageSchema, { messageSeqNo: 42n, method: "proto.Storage.ReadQC", status: create(StatusSchema, { code: Code.NotFound, message: "no such key" }) });
    expect(encode(reply).toString("hex")).toBe(RELEASE_ERROR_REPLY_HEX);
    const decoded = ORDERING_ENVELOPE.decode(Buffer.from(RELEASE_ERROR_REPLY_HEX, "hex"));
    expect(decoded.status).toMatchObject({ code: Code.NotFound, message: "no such key" });
    expect(decoded.payload.byteLength).toBe(0);
  });

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

  it("takes a metadata of 128 bytes or more (a two-byte length) both ways", () => {
    const msg = requestMessage(9n, "storage.Storage.Write", payload, metadataEntries({ trace: "t".repeat(150) }));
    const bytes = encode(msg);
    expect(bytes).toEqual(goLayout(msg, payload));
    expect(bytes[0]! & 0x80).toBe(0x80);
    expect(ORDERING_ENVELOPE.decode(bytes)).toEqual(ORDERING_ENVELOPE.decode(goLayout(msg, payload)));
  });

  it("decodes a frame of a lone zero length as an empty message", () => {
    const decoded = ORDERING_ENVELOPE.decode(new Uint8Array([0]));
    expect(decoded).toMatchObject({ messageSeqNo: 0n, method: "", entry: [] });
    expect(decoded.payload.byteLength).toBe(0);
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
