/**
 * Go Gorums' benchmark (`cmd/benchmark`, package `benchmark`) run from
 * TypeScript: the same benchmarks (QuorumCall, AsyncQuorumCall, SlowServer,
 * Multicast), the same phases (warm-up, `StartBenchmark` on every server,
 * the measured loop, `StopBenchmark` collecting every server's allocations),
 * the same figures and the same table, so its output lines up with Go's
 * against either kind of server: ours, or Go's `cmd/benchmark --server`.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Configuration } from "../src/index.js";
import { AllocationMeter } from "./allocation-meter.js";
import { CampaignStats, unixNanos } from "./campaign-stats.js";
import type { MemoryStat, Result, ResultSchema } from "./gen/benchmark/benchmark_pb.js";
import { multicast, quorumCall, slowServer, startBenchmark, startServerBenchmark, stopBenchmark, stopServerBenchmark } from "./gen/benchmark/benchmark_gorums.js";

/** Go's `benchmark.Options`, durations in milliseconds. */
export interface GoFlowOptions {
  /** Callers making calls concurrently (Go's goroutines; `--concurrent`, Go's default 1). */
  readonly concurrent: number;
  /** Calls in flight at most in AsyncQuorumCall (`--max-async`, Go's default 1000). */
  readonly maxAsync: number;
  /** Payload bytes of each request (`--payload`, Go's default 0). */
  readonly payload: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Replies a quorum call waits for (Go's default: half the configuration). */
  readonly quorumSize: number;
  /** The servers are remote processes: ask them for their figures (Go's `Remote`). */
  readonly remote: boolean;
  /** Told when each measured window starts and ends (CPU accounting). */
  readonly window?: { start(): void; stop(): void };
}

/** One benchmark's figures: Go's Result, plus the servers' allocations. */
export interface GoFlowResult {
  readonly name: string;
  readonly totalOps: number;
  /** Nanoseconds. */
  readonly totalTime: number;
  readonly throughput: number;
  /** Nanoseconds. */
  readonly latencyAvg: number;
  /** Nanoseconds squared. */
  readonly latencyVar: number;
  readonly allocsPerOp: number;
  /** Bytes per operation, client and servers. */
  readonly memPerOp: number;
  /** Each server's allocations over the campaign (remote servers only). */
  readonly serverStats: readonly { allocs: number; memory: number }[];
  /** Median and p99 latency in nanoseconds, where this client timed the calls (not in Go's Result). */
  readonly latencyMedian?: number;
  readonly latencyP99?: number;
}

/** Go's benchmarks, by name, in Go's order. */
export const GO_BENCHMARKS = ["QuorumCall", "AsyncQuorumCall", "SlowServer", "Multicast"] as const;

type Call = () => Promise<unknown>;

/** Runs the benchmarks whose names match `select` over `config`, sorted by name as Go prints them. */
export async function runGoFlow(config: Configuration, opts: GoFlowOptions, select: RegExp): Promise<GoFlowResult[]> {
  const ctx = config.context();
  const echo = { payload: new Uint8Array(opts.payload) };
  const runs: Record<(typeof GO_BENCHMARKS)[number], () => Promise<GoFlowResult>> = {
    QuorumCall: () => callBenchmark(config, opts, () => quorumCall(ctx, echo).threshold(opts.quorumSize)),
    AsyncQuorumCall: () => asyncCallBenchmark(config, opts, () => quorumCall(ctx, echo).threshold(opts.quorumSize)),
    SlowServer: () => callBenchmark(config, opts, () => slowServer(ctx, echo).threshold(opts.quorumSize)),
    Multicast: () => serverBenchmark(config, opts),
  };
  const results: GoFlowResult[] = [];
  for (const name of GO_BENCHMARKS) {
    if (select.test(name)) {
      results.push({ ...(await runs[name]()), name });
    }
  }
  return results.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `concurrent` callers, each making one call after another until `untilMs`. */
async function loops(opts: GoFlowOptions, untilMs: number, call: Call, stats?: CampaignStats): Promise<void> {
  const caller = async () => {
    while (performance.now() <= untilMs) {
      const start = performance.now();
      await call();
      stats?.addLatency((performance.now() - start) * 1e6);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrent }, caller));
}

/** Up to `maxAsync` calls in flight until `untilMs`, a new one started as each ends. */
function asyncLoop(opts: GoFlowOptions, untilMs: number, call: Call, stats?: CampaignStats): Promise<void> {
  return new Promise((resolve, reject) => {
    let inFlight = 0;
    let failed = false;
    const launch = () => {
      while (!failed && inFlight < opts.maxAsync && performance.now() <= untilMs) {
        inFlight++;
        const start = performance.now();
        call().then(
          () => {
            stats?.addLatency((performance.now() - start) * 1e6);
            inFlight--;
            launch();
          },
          (err: unknown) => {
            failed = true;
            reject(err);
          },
        );
      }
      if (inFlight === 0 && !failed) {
        resolve();
      }
    };
    launch();
  });
}

/** Go's runQCBenchmark: warm-up, StartBenchmark, measured loops, StopBenchmark. */
function callBenchmark(config: Configuration, opts: GoFlowOptions, call: Call): Promise<GoFlowResult> {
  return measured(config, opts, (until, stats) => loops(opts, until, call, stats));
}

/** Go's runAsyncQCBenchmark: as callBenchmark with up to `maxAsync` calls in flight. */
function asyncCallBenchmark(config: Configuration, opts: GoFlowOptions, call: Call): Promise<GoFlowResult> {
  return measured(config, opts, (until, stats) => asyncLoop(opts, until, call, stats));
}

async function measured(config: Configuration, opts: GoFlowOptions, load: (untilMs: number, stats?: CampaignStats) => Promise<void>): Promise<GoFlowResult> {
  const ctx = config.context();
  await load(performance.now() + opts.warmupMs);
  if (opts.remote) {
    await startBenchmark(ctx, {}).all();
  }
  const stats = new CampaignStats({ quantiles: true });
  opts.window?.start();
  stats.start();
  await load(performance.now() + opts.durationMs, stats);
  stats.end();
  opts.window?.stop();
  const serverStats: MemoryStat[] = opts.remote ? [...(await stopBenchmark(ctx, {}).results().collectAll()).values()] : [];
  return { ...fromWire(stats.result(), serverStats), latencyMedian: stats.quantile(0.5)!, latencyP99: stats.quantile(0.99)! };
}

/**
 * Go's runServerBenchmark (Multicast): the servers measure. Each message
 * carries its send time; StartServerBenchmark and StopServerBenchmark
 * bracket the sending, and the servers' figures are pooled as Go's
 * StopServerBenchmarkQF does; the client's allocations are added per op.
 */
async function serverBenchmark(config: Configuration, opts: GoFlowOptions): Promise<GoFlowResult> {
  const ctx = config.context();
  const payload = new Uint8Array(opts.payload);
  const send = async (untilMs: number) => {
    for (let caller = 0; caller < opts.concurrent; caller++) {
      while (performance.now() <= untilMs) {
        await multicast(ctx, { sendTime: unixNanos(), payload });
      }
    }
  };
  await send(performance.now() + opts.warmupMs);
  await startServerBenchmark(ctx, {}).all();
  const meter = new AllocationMeter();
  opts.window?.start();
  meter.start();
  await send(performance.now() + opts.durationMs);
  meter.stop();
  opts.window?.stop();
  const replies = [...(await stopServerBenchmark(ctx, {}).results().collectAll()).values()];
  const pooled = poolServerResults(replies);
  const ops = pooled.totalOps;
  return { ...pooled, allocsPerOp: 0, memPerOp: ops > 0 ? Math.floor(meter.bytes / ops) : 0 };
}

/**
 * The servers' figures of one campaign as one: operations, time and
 * throughput averaged over the servers, the mean latency weighted by each
 * server's operations, the variance pooled. Fails without a reply.
 */
export function poolServerResults(replies: readonly Result[]): GoFlowResult {
  if (replies.length === 0) {
    throw new Error("no server answered StopServerBenchmark");
  }
  let ops = 0;
  let time = 0;
  let throughput = 0;
  let weightedMean = 0;
  let pooledSquares = 0;
  for (const r of replies) {
    const n = Number(r.totalOps);
    ops += n;
    time += Number(r.totalTime);
    throughput += r.throughput;
    weightedMean += r.latencyAvg * n;
    pooledSquares += Math.max(0, n - 1) * r.latencyVar;
  }
  const k = replies.length;
  return {
    name: "",
    totalOps: Math.floor(ops / k),
    totalTime: Math.floor(time / k),
    throughput: throughput / k,
    latencyAvg: ops > 0 ? weightedMean / ops : 0,
    latencyVar: ops > k ? pooledSquares / (ops - k) : 0,
    allocsPerOp: 0,
    memPerOp: 0,
    serverStats: replies.map((r) => ({ allocs: Number(r.allocsPerOp) * Number(r.totalOps), memory: Number(r.memPerOp) * Number(r.totalOps) })),
  };
}

function fromWire(r: MessageInitShape<typeof ResultSchema>, servers: readonly MemoryStat[]): GoFlowResult {
  const ops = Number(r.totalOps ?? 0n);
  const serverStats = servers.map((s) => ({ allocs: Number(s.allocs), memory: Number(s.memory) }));
  // As Go prints without --server-stats: the servers' bytes per op added to the client's.
  const serverMemPerOp = ops > 0 ? serverStats.reduce((sum, s) => sum + Math.floor(s.memory / ops), 0) : 0;
  return {
    name: "",
    totalOps: ops,
    totalTime: Number(r.totalTime ?? 0n),
    throughput: r.throughput ?? 0,
    latencyAvg: r.latencyAvg ?? 0,
    latencyVar: r.latencyVar ?? 0,
    allocsPerOp: Number(r.allocsPerOp ?? 0n),
    memPerOp: Number(r.memPerOp ?? 0n) + serverMemPerOp,
    serverStats,
  };
}

/** Go's results table: `Benchmark  Throughput  Latency  Std.dev  Client+Servers`. */
export function goFlowTable(results: readonly GoFlowResult[]): string {
  const rows = [["Benchmark", "Throughput", "Latency", "Std.dev", "Client+Servers", ""]];
  for (const r of results) {
    rows.push([
      r.name,
      `${r.throughput.toFixed(2)} ops/sec`,
      `${(r.latencyAvg / 1e6).toFixed(2)} ms`,
      `${(Math.sqrt(r.latencyVar) / 1e6).toFixed(2)} ms`,
      `${r.memPerOp} B/op`,
      `${r.allocsPerOp} allocs/op`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]! + 4)).join("").trimEnd()).join("\n") + "\n";
}
