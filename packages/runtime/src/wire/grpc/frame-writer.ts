import type * as http2 from "node:http2";
import type { Message } from "../../gen/stream_pb.js";
import type { EncodedMessage } from "../encoded-message.js";
import { FRAME_HEADER_BYTES } from "./grpc-frame.js";
import { type EnvelopeFormat, STREAM_ENVELOPE } from "../envelope-format.js";

/** A group of sends that go out in one write and settle together. */
interface Batch {
  readonly messages: Message[];
  /** Each message's shared encoding, where its sender gave one (same index). */
  readonly encodings: Array<EncodedMessage | undefined>;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Writes Messages as gRPC frames on an HTTP/2 stream without waiting per
 * message: the messages sent before a flush are encoded together into one
 * Buffer — sizes first, then each message in place behind its 5-byte
 * header — and go out in a single `write`. The flush runs from
 * `process.nextTick`, which node runs once the microtask queue is empty: a
 * burst of sends made by one piece of work (replies to a chunk of requests,
 * the next calls of a pipelined load, the N sends of a quorum call) goes out
 * in one write, and a lone call leaves at once — no send waits for another
 * turn of the event loop. (A setImmediate for all but the first flush of a
 * turn made a handler that awaits its `send` wait a whole turn per reply:
 * the profile of `pnpm bench` showed streaming and nested quorum calls
 * bound by it, and plain quorum calls cost more CPU; see
 * docs/performance.md.) Backpressure: when `write` returns false, later
 * sends collect until the stream emits 'drain'. A send's
 * promise resolves once its bytes were handed to the stream (all sends of
 * one batch share one promise); a message must not change until then. A
 * message sent with an `EncodedMessage` (the same envelope on every node
 * stream of a quorum call) is encoded by the first writer that flushes it,
 * and copied from there by the others.
 */
export class FrameWriter {
  private batch: Batch | undefined;
  private scheduled = false;
  private blocked = false;
  private failed: Error | undefined;
  private readonly flushNow = () => this.flush();

  /** @param format how each Message is laid out in its frame (default: `stream.Message`). */
  constructor(
    private readonly stream: http2.Http2Stream,
    private readonly format: EnvelopeFormat = STREAM_ENVELOPE,
  ) {
    stream.on("drain", () => {
      this.blocked = false;
      this.flush();
    });
  }

  /** Queues `msg` for the next flush; `encoded` shares its encoding with other writers. */
  send(msg: Message, encoded?: EncodedMessage): Promise<void> {
    if (this.failed !== undefined) {
      return Promise.reject(this.failed);
    }
    let batch = this.batch;
    if (batch === undefined) {
      batch = this.batch = newBatch();
    }
    batch.messages.push(msg);
    batch.encodings.push(encoded);
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      process.nextTick(this.flushNow);
    }
    return batch.done;
  }

  /**
   * Writes what is queued now, ignoring backpressure (used right before the
   * stream ends). Returns false when the stream can no longer be written.
   */
  flush(): boolean {
    this.scheduled = false;
    const batch = this.batch;
    if (batch === undefined || this.blocked) {
      return this.failed === undefined;
    }
    if (this.failed !== undefined) {
      return false;
    }
    const stream = this.stream;
    if (stream.destroyed || stream.writableEnded) {
      return false;
    }
    this.batch = undefined;
    let frames: Buffer;
    try {
      frames = encodeBatch(batch.messages, batch.encodings, this.format);
    } catch (err) {
      // A message that cannot be encoded (a caller's bug): this batch fails, the stream goes on.
      batch.reject(err instanceof Error ? err : new Error(String(err)));
      return true;
    }
    const ok = stream.write(frames);
    batch.resolve();
    if (!ok) {
      this.blocked = true;
    }
    return true;
  }

  /** Writes what is queued now, even while blocked; then no more sends are taken. */
  drainAndStop(err: Error): void {
    this.blocked = false;
    this.flush();
    this.fail(err);
  }

  /** Rejects the queued sends and every later one with `err`. */
  fail(err: Error): void {
    if (this.failed === undefined) {
      this.failed = err;
    }
    const batch = this.batch;
    this.batch = undefined;
    batch?.reject(this.failed);
  }
}

/**
 * The messages as consecutive gRPC frames in one new Buffer. A message whose
 * shared encoding another writer made already is copied from it; one that
 * has a shared encoding not made yet leaves its bytes there (a view of the
 * returned Buffer). Shared encodings of another envelope format are left
 * alone: such a message is encoded here in `format`.
 */
export function encodeBatch(messages: readonly Message[], encodings: ReadonlyArray<EncodedMessage | undefined>, format: EnvelopeFormat = STREAM_ENVELOPE): Buffer {
  const n = messages.length;
  const sizes = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const encoded = encodings[i];
    const size = encoded?.format === format && encoded.bytes !== undefined ? encoded.bytes.byteLength : format.size(messages[i] as Message);
    sizes[i] = size;
    total += FRAME_HEADER_BYTES + size;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = sizes[i] as number;
    out[at] = 0;
    out.writeUInt32BE(size, at + 1);
    const start = at + FRAME_HEADER_BYTES;
    const encoded = encodings[i];
    const shared = encoded?.format === format ? encoded.bytes : undefined;
    if (shared !== undefined) {
      out.set(shared, start);
      at = start + size;
      continue;
    }
    const end = format.encodeInto(messages[i] as Message, out, start);
    if (end !== start + size) {
      throw new Error("gorums: message changed while being encoded");
    }
    if (encoded !== undefined && encoded.bytes === undefined) {
      encoded.bytes = out.subarray(start, end);
      encoded.format = format;
    }
    at = end;
  }
  return out;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every send's caller handles its own copy of the rejection; this keeps a
  // batch whose callers all dropped the promise from being unhandled.
  done.catch(() => {});
  return { messages: [], encodings: [], done, resolve, reject };
}
