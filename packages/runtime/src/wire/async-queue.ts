interface Item<T> {
  readonly value: T;
  readonly taken: () => void;
  readonly dropped: (err: Error) => void;
}

/**
 * An unbounded queue read as an async iterable by one consumer. `push`
 * resolves when the consumer has taken the value and rejects when the queue
 * is closed before that. Each push and take costs O(1).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: Item<T>[] = [];
  private head = 0;
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private closedWith: Error | undefined;
  private ended = false;

  /** Number of values not yet taken. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends a value; resolves when it is taken. */
  push(value: T): Promise<void> {
    if (this.ended) {
      return Promise.reject(this.closedWith ?? new Error("queue closed"));
    }
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting({ done: false, value });
      return Promise.resolve();
    }
    return new Promise<void>((taken, dropped) => {
      this.items.push({ value, taken, dropped });
    });
  }

  /**
   * Ends the queue: the consumer sees the end after the values already queued
   * (or at once, with `err`, dropping them: their pushes reject with `err`).
   */
  close(err?: Error): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.closedWith = err;
    if (err !== undefined) {
      const dropped = this.items.slice(this.head);
      this.items = [];
      this.head = 0;
      for (const item of dropped) {
        item.dropped(err);
      }
    }
    const waiting = this.waiting;
    if (waiting !== undefined && this.length === 0) {
      this.waiting = undefined;
      waiting({ done: true, value: undefined });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.take(),
      return: () => {
        this.close(new Error("consumer stopped"));
        return Promise.resolve({ done: true, value: undefined });
      },
      throw: (err?: unknown) => {
        this.close(err instanceof Error ? err : new Error("consumer failed"));
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private take(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const item = this.items[this.head] as Item<T>;
      this.items[this.head] = undefined as unknown as Item<T>;
      this.head++;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      item.taken();
      return Promise.resolve({ done: false, value: item.value });
    }
    if (this.ended) {
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
