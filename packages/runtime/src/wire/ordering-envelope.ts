import type { Message } from "../gen/stream_pb.js";
import type { EnvelopeFormat } from "./envelope-format.js";
import { decodeMessage, encodeMetadataInto, metadataSize, varintSize, writeVarint } from "./message-codec.js";

/** Reads a varint length at `pos` of `bytes`: [value, position after it]. */
function readLength(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= bytes.byteLength) {
      throw new Error("ordering envelope: truncated length");
    }
    const b = bytes[pos++] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      return [value, pos];
    }
    scale *= 128;
  }
  throw new Error("ordering envelope: length too long");
}

/**
 * The envelope of the Go Gorums v0.11.0 release (its `gorums` gRPC codec,
 * `/ordering.Gorums/NodeStream`): a frame holds the varint length of an
 * `ordering.Metadata` (fields 1–4 of `stream.Message`: sequence number,
 * method, status, entries), that Metadata, then the varint length of the
 * application message and the message itself, length 0 when there is none.
 * A `stream.Message` maps onto it one to one: the Metadata is the Message
 * without its payload, the message is the payload.
 */
export const ORDERING_ENVELOPE: EnvelopeFormat = {
  name: "ordering.Metadata + message",
  size(msg: Message): number {
    const md = metadataSize(msg);
    const len = msg.payload.byteLength;
    return varintSize(md) + md + varintSize(len) + len;
  },
  encodeInto(msg: Message, buf: Buffer, pos: number): number {
    pos = writeVarint(buf, pos, metadataSize(msg));
    pos = encodeMetadataInto(msg, buf, pos);
    pos = writeVarint(buf, pos, msg.payload.byteLength);
    buf.set(msg.payload, pos);
    return pos + msg.payload.byteLength;
  },
  decode(bytes: Uint8Array): Message {
    const [mdLen, mdAt] = readLength(bytes, 0);
    const mdEnd = mdAt + mdLen;
    if (mdEnd > bytes.byteLength) {
      throw new Error("ordering envelope: metadata longer than the frame");
    }
    const msg = decodeMessage(bytes.subarray(mdAt, mdEnd));
    if (msg.payload.byteLength > 0) {
      throw new Error("ordering envelope: payload field inside the metadata");
    }
    if (mdEnd === bytes.byteLength) {
      // Go writes a 0 length for no message; a frame that stops after the metadata means the same.
      return msg;
    }
    const [len, at] = readLength(bytes, mdEnd);
    if (at + len !== bytes.byteLength) {
      throw new Error(`ordering envelope: message of ${len} bytes in a frame with ${bytes.byteLength - at} left`);
    }
    if (len > 0) {
      // A plain Uint8Array view, as the stream.Message decoder (and protobuf-es) gives.
      msg.payload = new Uint8Array(bytes.buffer, bytes.byteOffset + at, len);
    }
    return msg;
  },
};
