/** Flow-control hooks of a MessageQueue. */
export interface MessageQueueHooks {
  /** More than the high-water mark is queued: stop reading. */
  readonly pause: () => void;
  /** The consumer caught up: read again. */
  readonly resume: () => void;
  /** The consumer stopped iterating early (`break`, `return`). */
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
 * One consumer; iterate it once.
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
      return Promise.resolve({ done: false, value: item });
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
}
