import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Message } from "../../gen/stream_pb.js";
import type { BidiStream } from "../bidi-stream.js";
import type { EncodedMessage } from "../encoded-message.js";
import type { MessageSink } from "../message-sink.js";
import { FrameWriter } from "./frame-writer.js";
import { DEFAULT_MAX_MESSAGE_BYTES, FrameDecoder } from "./grpc-frame.js";
import { type EnvelopeFormat, STREAM_ENVELOPE } from "../envelope-format.js";
import { MessageQueue } from "../message-queue.js";

/**
 * What the client and server NodeStreams on node:http2 share: Messages
 * written as gRPC frames in batches (FrameWriter) and frames read from
 * 'data' events straight into a MessageQueue that `receive()` iterates, or
 * that hands them to the sink of `consume()` inside the 'data' event — no
 * async generator and no per-message callback chain on either path.
 * Subclasses decide how the call ends.
 */
export abstract class Http2MessageStream implements BidiStream {
  protected readonly writer: FrameWriter;
  protected readonly queue: MessageQueue<Message>;
  protected readonly decoder: FrameDecoder;

  /** @param format how the envelopes are laid out in the frames, both ways. */
  constructor(
    protected readonly stream: http2.Http2Stream,
    maxMessageBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
    format: EnvelopeFormat = STREAM_ENVELOPE,
  ) {
    this.writer = new FrameWriter(stream, format);
    this.queue = new MessageQueue<Message>({
      pause: () => stream.pause(),
      resume: () => stream.resume(),
      stopped: () => this.close(new ConnectError("receiver stopped", Code.Canceled)),
    });
    this.decoder = new FrameDecoder((bytes) => this.queue.push(format.decode(bytes), bytes.byteLength), maxMessageBytes);
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  send(msg: Message, encoded?: EncodedMessage): Promise<void> {
    return this.writer.send(msg, encoded);
  }

  receive(): AsyncIterable<Message> {
    return this.queue;
  }

  /** Hands the messages to `sink` as the decoder completes them (see `MessageQueue.consume`). */
  consume(sink: MessageSink<Message>): void {
    this.queue.consume(sink);
  }

  abstract close(reason?: Error): void;

  /** Ends the receiving side with `err` and tears the call down (subclass policy). */
  protected abstract fail(err: ConnectError): void;

  /** An error if the peer ended in the middle of a frame. */
  protected truncated(): ConnectError | undefined {
    return this.decoder.buffered > 0 ? new ConnectError("grpc: stream ended in the middle of a message", Code.Internal) : undefined;
  }

  private onData(chunk: Buffer): void {
    if (this.queue.isEnded) {
      return;
    }
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.fail(err instanceof ConnectError ? err : new ConnectError(`grpc: failed to decode message: ${String(err instanceof Error ? err.message : err)}`, Code.Internal));
    }
  }
}
