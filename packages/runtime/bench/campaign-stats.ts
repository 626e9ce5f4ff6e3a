/**
 * The figures of one measurement campaign as Go Gorums' benchmark keeps them
 * (its `Stats`): a count, the mean and variance of latencies by Welford's
 * algorithm, the campaign's clock time and the bytes allocated. `result()`
 * gives them as the wire's `Result`, in nanoseconds. A client's campaign
 * can also keep every latency for its median and p99 (`quantiles`), which
 * Go's Result does not carry.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AllocationMeter } from "./allocation-meter.js";
import type { ResultSchema } from "./gen/benchmark/benchmark_pb.js";
import { LatencySamples, quantile } from "./stats.js";

/** Wall-clock time in Unix nanoseconds (what Go's `time.Now().UnixNano()` gives). */
export function unixNanos(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

/** One campaign's counters; `clear()` starts over. */
export class CampaignStats {
  private startedAt = 0;
  private endedAt = 0;
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private readonly meter = new AllocationMeter();
  /** Every latency recorded, when quantiles are kept (room for 2^18 calls, more than a 2 s campaign at 64 in flight makes). */
  private readonly latencies: LatencySamples | undefined;

  /** @param options.quantiles keep every latency, for `quantile()`. */
  constructor(options: { quantiles?: boolean } = {}) {
    this.latencies = options.quantiles === true ? new LatencySamples(1 << 18) : undefined;
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.startedAt = this.endedAt = 0;
    this.count = this.mean = this.m2 = 0;
    this.latencies?.clear();
  }

  /** Starts the campaign's clock and allocation window. */
  start(): void {
    this.meter.start();
    this.startedAt = performance.now();
  }

  /** Stops the clock and the allocation window. */
  end(): void {
    this.endedAt = performance.now();
    this.meter.stop();
  }

  /** Records one operation's latency, in nanoseconds. */
  addLatency(nanos: number): void {
    this.latencies?.add(nanos);
    this.count++;
    const delta = nanos - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (nanos - this.mean);
  }

  /** The q-quantile of the latencies recorded, in nanoseconds (nearest rank); undefined unless kept, NaN when none. */
  quantile(q: number): number | undefined {
    return this.latencies === undefined ? undefined : quantile(this.latencies.sorted(), q);
  }

  /** Operations recorded. */
  get ops(): number {
    return this.count;
  }

  /** Bytes allocated in the campaign (after `end()`). */
  get allocatedBytes(): number {
    return this.meter.bytes;
  }

  /** The campaign as the wire's Result (per-op figures 0 without operations). */
  result(): MessageInitShape<typeof ResultSchema> {
    const seconds = (this.endedAt - this.startedAt) / 1000;
    return {
      totalOps: BigInt(this.count),
      totalTime: BigInt(Math.round(seconds * 1e9)),
      throughput: seconds > 0 ? this.count / seconds : 0,
      latencyAvg: this.mean,
      latencyVar: this.count > 2 ? this.m2 / (this.count - 1) : 0,
      allocsPerOp: 0n,
      memPerOp: this.count > 0 ? BigInt(Math.floor(this.meter.bytes / this.count)) : 0n,
    };
  }
}
