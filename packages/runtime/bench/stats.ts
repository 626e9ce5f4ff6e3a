/**
 * Latency recording and the numbers of one run: a Recorder counts the calls
 * (or messages) that complete inside the measured window and keeps their
 * latencies; `summarize` turns it into calls/s, mean, median and p99.
 */

/** What one measured run produced. */
export interface RunStats {
  /** Calls (or echoed messages) completed inside the measured window. */
  readonly calls: number;
  /** Length of the measured window, in seconds. */
  readonly seconds: number;
  readonly callsPerSec: number;
  /** Latencies in milliseconds. */
  readonly meanMs: number;
  readonly medianMs: number;
  readonly p99Ms: number;
}

/** Memory of a process after a run: V8 heap in use and resident set size, in bytes. */
export interface MemoryStats {
  readonly heapUsed: number;
  readonly rss: number;
}

/**
 * Latencies kept for their quantiles: a Float64Array allocated up front for
 * `capacity` values (before any measured window, so that keeping them does
 * not show as allocation in it) and doubled when full.
 */
export class LatencySamples {
  private values: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  /** Values kept. */
  get length(): number {
    return this.n;
  }

  /** Keeps `value`. */
  add(value: number): void {
    if (this.n === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.n++] = value;
  }

  /** Forgets the values (keeps the buffer). */
  clear(): void {
    this.n = 0;
  }

  /** The values kept, sorted in place (a view: valid until the next `add`). */
  sorted(): Float64Array {
    return this.values.subarray(0, this.n).sort();
  }
}

/**
 * Counts completions and keeps latencies inside the measured window: a run
 * warms up for `warmupS`, then measures for `timeS` (by the clock, checked
 * at every completion, as Go's benchmark does); completions outside the
 * window are not counted, and once it has passed `running` turns false.
 */
export class Recorder {
  private readonly samples = new LatencySamples(1 << 16);
  private readonly startAt: number;
  private endAt: number;
  private readonly window: { start(): void; stop(): void } | undefined;
  /** Completions in any phase (for the progress line). */
  completed = 0;
  /** False once the window has passed (or the run failed): start no more calls. */
  running = true;

  /** `window` is told when the measured window starts and ends (by timers; CPU accounting). */
  constructor(warmupS: number, timeS: number, window?: { start(): void; stop(): void }) {
    this.startAt = performance.now() + warmupS * 1000;
    this.endAt = this.startAt + timeS * 1000;
    this.window = window;
    if (window !== undefined) {
      setTimeout(() => window.start(), warmupS * 1000).unref();
      setTimeout(() => window.stop(), (warmupS + timeS) * 1000).unref();
    }
  }

  /**
   * Extends the measured window to now (one-way benchmarks: until the
   * servers confirmed that every message sent in the window was handled).
   */
  extendTo(now: number): void {
    this.endAt = Math.max(this.endAt, now);
  }

  /** A call that started at `startedAt` (performance.now()) completed now. */
  record(startedAt: number): void {
    this.completed++;
    const now = performance.now();
    if (now >= this.endAt) {
      if (this.running) {
        this.running = false;
        this.window?.stop();
      }
      return;
    }
    if (now < this.startAt) {
      return;
    }
    this.samples.add(now - startedAt);
  }

  /** The run's numbers; call once it stopped. Throws when no call completed inside the window. */
  summarize(): RunStats {
    const seconds = Math.max(this.endAt - this.startAt, 1e-9) / 1000;
    const n = this.samples.length;
    if (n === 0) {
      throw new Error(`no call completed inside the ${seconds.toFixed(2)} s measured window (${this.completed} in all): calls take longer than that; use a longer --time`);
    }
    const lat = this.samples.sorted();
    let sum = 0;
    for (let i = 0; i < lat.length; i++) {
      sum += lat[i] as number;
    }
    return {
      calls: n,
      seconds,
      callsPerSec: n / seconds,
      meanMs: sum / n,
      medianMs: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
    };
  }
}

/** The q-quantile of sorted values (nearest rank); NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/**
 * The heap in use and RSS of this process, after a full garbage collection
 * when one can be forced (node --expose-gc: `pnpm bench` and the processes
 * the bench starts run with it).
 */
export function memoryNow(): MemoryStats {
  collectGarbage();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

/** Runs a full garbage collection when node runs with --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") {
    gc();
  }
}
