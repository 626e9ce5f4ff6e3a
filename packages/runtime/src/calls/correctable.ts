import { ErrIncomplete, ErrSkipNode, type NodeError, QuorumCallError } from "../core/errors.js";
import type { ResponseSeq } from "./response-seq.js";

/** No successful reply yet. */
export const LevelNotSet = -1;

interface Watcher {
  readonly level: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * A quorum call read as it progresses (Gorums' correctable): `get()` gives
 * the latest value and its level (the number of successful replies), `watch`
 * waits for a level, `done` settles when the threshold is reached or the
 * call ends short of it (then `get().error` is a QuorumCallError with cause
 * ErrIncomplete).
 */
export class Correctable<T> {
  /** Resolves when the correctable is done, successful or not. */
  readonly done: Promise<void>;
  private value: T | undefined;
  private level = LevelNotSet;
  private error: Error | undefined;
  private finished = false;
  private watchers: Watcher[] = [];

  /** @private Made by `Responses.correctable`. */
  constructor(seq: ResponseSeq<T>, threshold: number) {
    this.done = this.run(seq, threshold);
  }

  /** The latest value, its level (LevelNotSet before any success) and, once done short of the threshold, the error. */
  get(): { value?: T; level: number; error?: Error } {
    return {
      ...(this.value !== undefined ? { value: this.value } : {}),
      level: this.level,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /**
   * Resolves once the level is at least `level` (at once if it is already);
   * rejects with the call's error if it ends below that level.
   */
  watch(level: number): Promise<void> {
    if (level <= this.level) {
      return Promise.resolve();
    }
    if (this.finished) {
      return Promise.reject(this.error ?? new QuorumCallError(ErrIncomplete));
    }
    return new Promise((resolve, reject) => this.watchers.push({ level, resolve, reject }));
  }

  private async run(seq: ResponseSeq<T>, threshold: number): Promise<void> {
    const errors: NodeError[] = [];
    let successes = 0;
    let skipped = 0;
    try {
      for await (const r of seq) {
        if (r.error !== undefined) {
          if (r.error === ErrSkipNode) {
            skipped++;
          } else {
            errors.push({ nodeID: r.nodeID, error: r.error });
          }
          continue;
        }
        successes++;
        this.value = r.value;
        this.level = successes;
        this.notify();
        if (successes >= threshold) {
          break;
        }
      }
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
    }
    if (successes < threshold && this.error === undefined) {
      this.error = new QuorumCallError(ErrIncomplete, errors, { needed: threshold, succeeded: successes, failed: errors.length, skipped });
    }
    this.finished = true;
    const waiting = this.watchers;
    this.watchers = [];
    for (const w of waiting) {
      if (w.level <= this.level) {
        w.resolve();
      } else {
        w.reject(this.error ?? new QuorumCallError(ErrIncomplete, errors, { needed: threshold, succeeded: successes, failed: errors.length, skipped }));
      }
    }
  }

  private notify(): void {
    if (this.watchers.length === 0) {
      return;
    }
    const still: Watcher[] = [];
    for (const w of this.watchers) {
      if (w.level <= this.level) {
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.watchers = still;
  }
}
