/** Waiting in tests: one `sleep` and one polling `waitUntil`. */

/**
 * Waits `ms`, or less when `signal` aborts (a handler's stream ended or its
 * server stopped), so a stopped server leaves no long handler timers behind.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Polls `cond` every 10 ms until it holds; throws "timed out waiting for
 * `what`" after `timeoutMs`. A condition wait, never a fixed sleep: the
 * machine may be loaded.
 */
export async function waitUntil(cond: () => boolean, what = "the condition", timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(10);
  }
}
