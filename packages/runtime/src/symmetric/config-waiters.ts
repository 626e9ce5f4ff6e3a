import type { Configuration } from "../core/configuration.js";
import { ErrStopped } from "../core/errors.js";

interface Waiter {
  readonly holds: () => boolean;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The callers of `waitForConfig` / `waitForClientConfig`: each waits until
 * its condition holds of a live configuration, until its signal aborts, or
 * until the server stops.
 */
export class ConfigWaiters {
  private waiters: Waiter[] = [];
  private stopped = false;

  /**
   * Resolves once `cond(current())` holds (at once if it does). Rejects with
   * the signal's own reason (`signal.reason`) when it aborts, and with
   * ErrStopped once `stop()` was called.
   */
  wait(current: () => Configuration, cond: (c: Configuration) => boolean, signal: AbortSignal | undefined): Promise<void> {
    const holds = () => cond(current());
    if (holds()) {
      return Promise.resolve();
    }
    if (this.stopped) {
      return Promise.reject(ErrStopped);
    }
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject((signal as AbortSignal).reason);
      };
      const waiter: Waiter = {
        holds,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** A configuration changed: resolves the waiters whose condition now holds. */
  check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.holds()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Releases every waiter with ErrStopped; later waits reject at once (unless their condition holds). */
  stop(): void {
    this.stopped = true;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      w.reject(ErrStopped);
    }
  }
}
