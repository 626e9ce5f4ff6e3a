// The clocks of a schedule run: waiting for its times, and the histories' clock.

/** A waiter for the times of a schedule that starts now: `until(at)` resolves `at` ms after the call to `scheduleClock`. */
export function scheduleClock(): (at: number) => Promise<void> {
  const start = performance.now();
  return (at) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - (performance.now() - start))));
}

/** CLOCK_MONOTONIC nanoseconds, the clock of the clients' histories (`time`). */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}
