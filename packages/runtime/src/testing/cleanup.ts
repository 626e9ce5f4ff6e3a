/**
 * A test runner's "run this when the test ends" function: vitest's
 * `onTestFinished` (or `afterEach`), node:test's `t.after`, jest's
 * `afterEach`. The fixture passes it its `close()`.
 */
export type CleanupRegistrar = (fn: () => Promise<void>) => unknown;

/**
 * A `close()` that runs `body` once: later calls (the registrar's and the
 * test's own, or `await using`'s) return the same promise.
 */
export function once(body: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= body());
}
