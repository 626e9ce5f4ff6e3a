import { Code, ConnectError } from "@connectrpc/connect";

/** Bytes in a gRPC frame header: one flag byte and a 4-byte big-endian length. */
export const FRAME_HEADER_BYTES = 5;

/** The largest message accepted by default, as in grpc-go and grpc-js: 4 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Flag bit of a frame whose message is compressed. */
const FLAG_COMPRESSED = 0x01;

/**
 * Writes the messages as gRPC frames (flag 0 = uncompressed, then the
 * length) into one new Buffer: one allocation and one copy per message.
 */
export function encodeFrames(messages: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    total += FRAME_HEADER_BYTES + (messages[i] as Uint8Array).byteLength;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const msg = messages[i] as Uint8Array;
    out[at] = 0;
    out.writeUInt32BE(msg.byteLength, at + 1);
    out.set(msg, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + msg.byteLength;
  }
  return out;
}

/** One message as a gRPC frame. */
export function encodeFrame(message: Uint8Array): Buffer {
  return encodeFrames([message]);
}

/**
 * Splits a byte stream into gRPC messages. Frames may be split across chunks
 * and many may arrive in one chunk; a message is handed out as soon as its
 * last byte arrived (a view into the chunk when the frame lies within one).
 *
 * Like grpc-go without a negotiated compressor, a frame with the compressed
 * flag is an Internal error, and so is any other flag bit; a message larger
 * than `maxMessageBytes` is ResourceExhausted. After an error the decoder
 * stays failed.
 */
export class FrameDecoder {
  /** Bytes of an incomplete frame (header and/or body) carried to the next chunk. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Body length of the frame being assembled, or -1 while its header is incomplete. */
  private need = -1;
  private failed: ConnectError | undefined;

  constructor(
    private readonly onMessage: (message: Uint8Array) => void,
    private readonly maxMessageBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.partBytes;
  }

  /**
   * Feeds one chunk; calls `onMessage` for every frame it completes.
   * Throws a ConnectError on a malformed frame.
   */
  push(chunk: Buffer): void {
    if (this.failed !== undefined) {
      throw this.failed;
    }
    let buf = chunk;
    if (this.partBytes > 0) {
      // Complete the pending frame first.
      buf = this.completePending(chunk);
      if (buf.byteLength === 0) {
        return;
      }
    }
    let at = 0;
    const end = buf.byteLength;
    while (end - at >= FRAME_HEADER_BYTES) {
      const len = this.checkHeader(buf, at);
      const bodyAt = at + FRAME_HEADER_BYTES;
      if (end - bodyAt < len) {
        break;
      }
      this.onMessage(buf.subarray(bodyAt, bodyAt + len));
      at = bodyAt + len;
    }
    if (at < end) {
      const rest = buf.subarray(at);
      this.parts.push(rest);
      this.partBytes = rest.byteLength;
      this.need = rest.byteLength >= FRAME_HEADER_BYTES ? rest.readUInt32BE(1) : -1;
    }
  }

  /**
   * Appends `chunk` to the pending bytes; emits the pending frame once it is
   * whole and returns the unused rest of `chunk` (empty while incomplete).
   */
  private completePending(chunk: Buffer): Buffer {
    if (this.need < 0) {
      // The header itself is split: take just enough to read it.
      const take = Math.min(FRAME_HEADER_BYTES - this.partBytes, chunk.byteLength);
      this.parts.push(chunk.subarray(0, take));
      this.partBytes += take;
      chunk = chunk.subarray(take);
      if (this.partBytes < FRAME_HEADER_BYTES) {
        return chunk;
      }
      const header = Buffer.concat(this.parts, FRAME_HEADER_BYTES);
      this.parts = [header];
      this.need = this.checkHeader(header, 0);
    }
    const missing = FRAME_HEADER_BYTES + this.need - this.partBytes;
    if (chunk.byteLength < missing) {
      this.parts.push(chunk);
      this.partBytes += chunk.byteLength;
      return chunk.subarray(chunk.byteLength);
    }
    this.parts.push(chunk.subarray(0, missing));
    const frame = Buffer.concat(this.parts, this.partBytes + missing);
    this.parts = [];
    this.partBytes = 0;
    this.need = -1;
    this.onMessage(frame.subarray(FRAME_HEADER_BYTES));
    return chunk.subarray(missing);
  }

  /** Validates the header at `at` and returns the body length. */
  private checkHeader(buf: Buffer, at: number): number {
    const flags = buf[at] as number;
    if (flags !== 0) {
      this.failed =
        flags === FLAG_COMPRESSED
          ? new ConnectError("grpc: compressed flag set with identity or empty encoding", Code.Internal)
          : new ConnectError(`grpc: received unexpected payload format (flags 0x${flags.toString(16)})`, Code.Internal);
      throw this.failed;
    }
    const len = buf.readUInt32BE(at + 1);
    if (len > this.maxMessageBytes) {
      this.failed = new ConnectError(`grpc: received message larger than max (${len} vs. ${this.maxMessageBytes})`, Code.ResourceExhausted);
      throw this.failed;
    }
    return len;
  }
}
