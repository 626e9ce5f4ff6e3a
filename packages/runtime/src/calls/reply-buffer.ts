import type { NodeResponse } from "./node-response.js";

/**
 * The replies of one call, kept so that every iteration sees all of them
 * from the first: terminal methods, `results()` and interceptors can each
 * read the call without taking replies from one another.
 */
export class ReplyBuffer<T> {
  private readonly items: NodeResponse<T>[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private wakeUp: Promise<void> | undefined;
  private followers: Follower<T>[] = [];

  /** Whether the call is over: no reply will be added. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Adds a reply (ignored after the end). */
  push(r: NodeResponse<T>): void {
    if (this.ended) {
      return;
    }
    this.items.push(r);
    this.notify();
    if (this.followers.length > 0) {
      // Every follower sees the reply before any satisfied one is closed
      // (closing the last reader ends the call).
      let satisfied: Follower<T>[] | undefined;
      for (const f of this.followers) {
        if (f.onReply(r)) {
          (satisfied ??= []).push(f);
        }
      }
      if (satisfied !== undefined) {
        for (const f of satisfied) {
          this.unfollow(f, true);
        }
      }
    }
  }

  /** Marks the end of the call. */
  end(): void {
    if (!this.ended) {
      this.ended = true;
      this.notify();
      for (const f of this.followers.splice(0)) {
        f.onClose(false);
      }
    }
  }

  /**
   * Reads every reply from the first with a callback instead of an
   * iterator, with no promise per reply: `onReply` returns true once it
   * needs no more (as a `break` would), and `onClose` runs once, with
   * `early` as for `iterator`.
   */
  follow(onReply: (r: NodeResponse<T>) => boolean, onClose: (early: boolean) => void): void {
    for (let i = 0; i < this.items.length; i++) {
      if (onReply(this.items[i] as NodeResponse<T>)) {
        onClose(true);
        return;
      }
    }
    if (this.ended) {
      onClose(false);
      return;
    }
    this.followers.push({ onReply, onClose });
  }

  private unfollow(f: Follower<T>, early: boolean): void {
    const i = this.followers.indexOf(f);
    if (i >= 0) {
      this.followers.splice(i, 1);
      f.onClose(early);
    }
  }

  /**
   * Iterates every reply from the first. `onClose` runs once per iterator:
   * with `early` true when the reader stopped before the end (`return()`),
   * false when it read to the end.
   */
  iterator(onClose: (early: boolean) => void): AsyncIterator<NodeResponse<T>> {
    let index = 0;
    let closed = false;
    const close = (early: boolean) => {
      if (!closed) {
        closed = true;
        onClose(early);
      }
    };
    const next = async (): Promise<IteratorResult<NodeResponse<T>>> => {
      for (;;) {
        if (closed) {
          return { done: true, value: undefined };
        }
        if (index < this.items.length) {
          return { done: false, value: this.items[index++] as NodeResponse<T> };
        }
        if (this.ended) {
          close(false);
          return { done: true, value: undefined };
        }
        await this.waitForChange();
      }
    };
    return {
      next,
      return: () => {
        close(true);
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private waitForChange(): Promise<void> {
    if (this.wakeUp === undefined) {
      this.wakeUp = new Promise((resolve) => {
        this.wake = resolve;
      });
    }
    return this.wakeUp;
  }

  private notify(): void {
    const wake = this.wake;
    if (wake !== undefined) {
      this.wake = undefined;
      this.wakeUp = undefined;
      wake();
    }
  }
}

interface Follower<T> {
  readonly onReply: (r: NodeResponse<T>) => boolean;
  readonly onClose: (early: boolean) => void;
}
