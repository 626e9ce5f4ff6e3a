import { Code, ConnectError } from "@connectrpc/connect";
import { abortError } from "../wire/errors.js";
import { onAbort } from "./abort-watchers.js";

/** Cancellation settings of a call (from its ConfigContext or NodeContext). */
export interface CallLimits {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
}

/** What watching a call without signal or deadline gives: nothing to dispose. */
const UNLIMITED: { dispose(): void } = Object.freeze({ dispose() {} });

/**
 * Watches a call's signal and deadline: runs `onEnd` once with Canceled or
 * DeadlineExceeded. `dispose()` stops watching (no timer or listener is left).
 * Returns the error at once when the signal has already aborted.
 */
export function watchCallLimits(limits: CallLimits, onEnd: (err: ConnectError) => void): { dispose(): void; aborted?: ConnectError } {
  const { signal, timeoutMs } = limits;
  if (signal === undefined && (timeoutMs === undefined || timeoutMs <= 0)) {
    return UNLIMITED; // nothing to watch: no closures for this call
  }
  if (signal?.aborted === true) {
    return { dispose() {}, aborted: abortError(signal) };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unwatch: (() => void) | undefined;
  const dispose = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (unwatch !== undefined) {
      unwatch();
      unwatch = undefined;
    }
  };
  const end = (err: ConnectError) => {
    dispose();
    onEnd(err);
  };
  if (timeoutMs !== undefined && timeoutMs > 0) {
    timer = setTimeout(() => end(new ConnectError(`deadline of ${timeoutMs} ms exceeded`, Code.DeadlineExceeded)), timeoutMs);
  }
  if (signal !== undefined) {
    // Shared with the other calls on this signal: one listener for all of them.
    unwatch = onAbort(signal, () => end(abortError(signal)));
  }
  return { dispose };
}
