import { asError } from "./errors.js";
import type { MessageSink } from "./message-sink.js";

/** Flow-control hooks of a MessageQueue. */
export interface MessageQueueHooks {
  /** More than the high-water mark is queued: stop reading. */
  readonly pause: () => void;
  /** The consumer caught up: read again. */
  readonly resume: () => void;
  /** The consumer stopped early (`break`, `return`; a sink that threw or rejected). */
  readonly stopped: () => void;
}

/** Messages queued before the producer is paused. */
const HIGH_WATER = 1024;
/** Bytes queued before the producer is paused. */
const HIGH_WATER_BYTES = 1 << 20;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The received side of a stream, as an AsyncIterator over an array: pushing
 * a message is an array append (or resolving the one waiting `next`), taking
 * one is an index step. Ends cleanly with `end()` or with an error after the
 * messages already queued (`end(err)` — a stream failure — drops nothing a
 * consumer could still read, so replies that arrived before it count).
 * One consumer: iterate it once, or hand it a sink with `consume` (no
 * promise per message).
 */
export class MessageQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | undefined;
  private ended = false;
  private error: Error | undefined;
  private paused = false;
  /** Bytes pushed since the queue was last empty. */
  private bytes = 0;
  /** The consumer that `consume` installed; undefined once its end was reported. */
  private sink: MessageSink<T> | undefined;
  /**
   * The sink is taking a message, or waits for a backpressure promise, or
   * `consume` has not started delivering: a push is queued, not delivered.
   */
  private delivering = false;

  constructor(private readonly hooks: MessageQueueHooks) {}

  /** True once the end (or an error) was pushed. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Queues a message of `size` bytes (or hands it to the waiting `next`).
   * Ignored after the end. The producer is paused while more than 1024
   * messages or 1 MiB wait, until the consumer has taken them all.
   */
  push(item: T, size = 0): void {
    if (this.ended) {
      return;
    }
    const sink = this.sink;
    if (sink !== undefined && !this.delivering) {
      this.delivering = true;
      if (this.handOver(sink, item)) {
        this.drain(sink);
      }
      return;
    }
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w.resolve({ done: false, value: item });
      return;
    }
    this.items.push(item);
    this.bytes += size;
    if (!this.paused && (this.items.length - this.head > HIGH_WATER || this.bytes > HIGH_WATER_BYTES)) {
      this.paused = true;
      this.hooks.pause();
    }
  }

  /** Ends the iteration after the queued messages: cleanly, or by throwing `err`. First call wins. */
  end(err?: Error): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.error = err;
    const sink = this.sink;
    if (sink !== undefined && !this.delivering) {
      this.finish(sink); // nothing is queued while no delivery runs
      return;
    }
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      if (err === undefined) {
        w.resolve(DONE);
      } else {
        w.reject(err);
      }
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      return Promise.resolve({ done: false, value: this.take() });
    }
    if (this.ended) {
      if (this.error !== undefined) {
        const err = this.error;
        this.error = undefined; // throw once, then report done
        return Promise.reject(err);
      }
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.ended) {
      this.end();
      this.hooks.stopped();
    }
    this.items = [];
    this.head = 0;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Delivers the messages to `sink` instead of the iteration: as they are
   * pushed, inside `push` (from the producer's own event), while the sink
   * asks for no backpressure. While a promise it returned is pending, pushes
   * queue up (pausing the producer past the high-water marks) and are
   * delivered in order once it resolves. The end is reported after the
   * queued messages, once, from a microtask (never inside the call that
   * ended the queue). The sink may push, end or close re-entrantly:
   * what it causes is delivered after it returns, never nested or out of
   * order. A sink that throws or rejects stops the delivery (the producer is
   * told, as by `return`) and gets the error as its end; nothing it throws
   * reaches the producer. Messages queued before this call, and an end
   * pushed before it, are delivered from a microtask, after the caller's
   * turn. Call it once, and do not iterate as well.
   */
  consume(sink: MessageSink<T>): void {
    if (this.sink !== undefined || this.delivering) {
      throw new Error("MessageQueue: consume called twice");
    }
    this.sink = sink;
    this.delivering = true;
    queueMicrotask(() => this.drain(sink));
  }

  /** Takes the first queued message; resumes the producer once the queue is empty. */
  private take(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      this.bytes = 0;
      if (this.paused) {
        this.paused = false;
        this.hooks.resume();
      }
    } else if (this.head > HIGH_WATER && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /**
   * Delivers the queued messages while the sink takes them synchronously,
   * then the end if it was pushed. Runs with `delivering` set, and clears it
   * unless a backpressure promise keeps the delivery waiting.
   */
  private drain(sink: MessageSink<T>): void {
    while (this.head < this.items.length) {
      if (!this.handOver(sink, this.take())) {
        return;
      }
    }
    this.delivering = false;
    if (this.ended) {
      this.finish(sink);
    }
  }

  /**
   * Hands one message to the sink. True when it took it synchronously; false
   * when the delivery waits for its promise (which drains on) or stopped.
   */
  private handOver(sink: MessageSink<T>, item: T): boolean {
    let room: void | Promise<void>;
    try {
      room = sink.message(item);
    } catch (err) {
      this.stop(sink, err);
      return false;
    }
    if (room === undefined) {
      return true;
    }
    room.then(
      () => this.drain(sink),
      (err: unknown) => this.stop(sink, err),
    );
    return false;
  }

  /** The sink threw or rejected: drops what is queued, tells the producer (as `return`), and ends the sink with the error. */
  private stop(sink: MessageSink<T>, err: unknown): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    if (!this.ended) {
      this.ended = true;
      this.hooks.stopped();
    }
    this.error = asError(err);
    this.finish(sink);
  }

  /**
   * Reports the end to the sink, once, from a promise reaction (as an
   * iteration sees its end): whoever ended the queue (a `close()` call, a
   * stream event) is done before the sink reacts, and an error its `end`
   * throws is an unhandled rejection (as an async reader's would be), never
   * a throw into them.
   */
  private finish(sink: MessageSink<T>): void {
    if (this.sink !== sink) {
      return;
    }
    this.sink = undefined;
    this.delivering = true; // for good: later pushes are ignored anyway
    const err = this.error;
    this.error = undefined;
    void Promise.resolve().then(() => sink.end(err));
  }
}
