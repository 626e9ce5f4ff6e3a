import type { Message } from "../gen/stream_pb.js";
import { decodeMessage, encodeMessageInto, messageSize } from "./message-codec.js";

/**
 * How a NodeStream's envelopes are laid out inside its gRPC frames. Every
 * stream carries `stream.Message`s; the format says how one becomes the
 * bytes of one frame and back. Two exist: the `stream.Message` protobuf of
 * Go Gorums' current wire (`STREAM_ENVELOPE`), and the metadata-then-message
 * layout of the Go Gorums v0.11.0 release (`ORDERING_ENVELOPE`).
 */
export interface EnvelopeFormat {
  /** The format's name, for messages and tests. */
  readonly name: string;
  /** The bytes `encodeInto` writes for `msg`. */
  size(msg: Message): number;
  /** Writes `msg` into `buf` at `pos` (`size(msg)` bytes free there); returns the position after it. */
  encodeInto(msg: Message, buf: Buffer, pos: number): number;
  /** Reads one frame's envelope; throws on malformed input. */
  decode(bytes: Uint8Array): Message;
}

/** Go Gorums' current wire: each frame holds one `stream.Message`, the payload in field 5. */
export const STREAM_ENVELOPE: EnvelopeFormat = {
  name: "stream.Message",
  size: messageSize,
  encodeInto: encodeMessageInto,
  decode: decodeMessage,
};
