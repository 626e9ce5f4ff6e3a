/**
 * Bytes a Node process allocated on the V8 heap over a window, the figure Go's
 * benchmark reports as `runtime.MemStats.TotalAlloc` deltas. V8 keeps no
 * running total, so the meter adds up what each garbage collection in the
 * window reclaimed (heap used before it minus after it) and the heap's growth
 * from the start to the end of the window. Garbage born before the window
 * and reclaimed inside it is counted too, so short windows overstate a
 * little; a benchmark's steady state makes that small. V8 does not count
 * allocations, only their bytes.
 */
import { GCProfiler, getHeapStatistics } from "node:v8";

/** Measures the bytes allocated between `start()` and `stop()`. */
export class AllocationMeter {
  private profiler: GCProfiler | undefined;
  private usedAtStart = 0;
  private allocated = 0;

  /** Starts a window (a window already running is restarted). */
  start(): void {
    this.profiler?.stop();
    this.profiler = new GCProfiler();
    this.profiler.start();
    this.usedAtStart = getHeapStatistics().used_heap_size;
    this.allocated = 0;
  }

  /** Ends the window; resolves `bytes` from then on. Without a window: 0. */
  stop(): void {
    const profiler = this.profiler;
    if (profiler === undefined) {
      return;
    }
    this.profiler = undefined;
    const usedAtEnd = getHeapStatistics().used_heap_size;
    const report = profiler.stop();
    let reclaimed = 0;
    for (const gc of report?.statistics ?? []) {
      reclaimed += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize);
    }
    this.allocated = Math.max(0, usedAtEnd - this.usedAtStart + reclaimed);
  }

  /** Bytes allocated in the last window that ended. */
  get bytes(): number {
    return this.allocated;
  }
}
