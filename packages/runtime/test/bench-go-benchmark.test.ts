/**
 * Go Gorums' benchmark service on our bench servers (bench/proto: Benchmark
 * is a superset of Go's `benchmark.Benchmark`), and Go's benchmark flow run
 * from TypeScript (bench/go-flow.ts). The wire contract is checked against
 * Go's proto as a table (method names, call types, message fields by number
 * and type) and a few messages byte for byte; the handlers by a campaign
 * over real servers on loopback; the Go client's output parsing on a line in
 * Go's format. Then across languages, with interop/go's gorums-go-bench (a
 * stand-in for Go Gorums' cmd/benchmark on the Go interop peer: Go's
 * protobuf and grpc-go, Go Gorums' wire): its client against our servers,
 * our flow against its servers. And with the real Go Gorums v0.11.0 (the
 * release bench/go-release pins, built with go): its cmd/benchmark client
 * against our servers on its wire, and our flow with `wire: "ordering"`
 * against its servers. No timing assertions.
 */
import { create, getOption, toBinary } from "@bufbuild/protobuf";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { testServers } from "../src/testing/index.js";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ManagerOptions, newConfig, withNodeList } from "../src/index.js";
import { freePorts } from "../bench/cluster.js";
import { findReleasedGoBenchmark, parseGoClientOutput, runGoClient, startGoServer } from "../bench/go-gorums.js";
import { GO_BENCHMARKS, goFlowTable, poolServerResults, runGoFlow } from "../bench/go-flow.js";
import { benchmarkService } from "../bench/roles.js";
import { multicast, registerBenchmarkServer, startServerBenchmark, stopServerBenchmark } from "../bench/gen/benchmark/benchmark_gorums.js";
import { Benchmark, EchoSchema, MemoryStatSchema, ResultSchema, TimedMsgSchema, type Result } from "../bench/gen/benchmark/benchmark_pb.js";
import { CampaignStats, unixNanos } from "../bench/campaign-stats.js";
import { multicast as multicastOption, quorumcall, rpc, unicast } from "../bench/gen/gorums_pb.js";

/** Go Gorums' benchmark/benchmark.proto at 3241d25b: every method, its messages and call type. */
const GO_METHODS = [
  ["StartServerBenchmark", "benchmark.StartRequest", "benchmark.StartResponse", "quorumcall"],
  ["StopServerBenchmark", "benchmark.StopRequest", "benchmark.Result", "quorumcall"],
  ["StartBenchmark", "benchmark.StartRequest", "benchmark.StartResponse", "quorumcall"],
  ["StopBenchmark", "benchmark.StopRequest", "benchmark.MemoryStat", "quorumcall"],
  ["QuorumCall", "benchmark.Echo", "benchmark.Echo", "quorumcall"],
  ["SlowServer", "benchmark.Echo", "benchmark.Echo", "quorumcall"],
  ["Multicast", "benchmark.TimedMsg", "google.protobuf.Empty", "multicast"],
] as const;

/** Go's messages: field name, number, scalar type (or message), repeated. */
const GO_FIELDS: Record<string, [string, number, string, boolean][]> = {
  "benchmark.Echo": [["payload", 1, "bytes", false]],
  "benchmark.TimedMsg": [["send_time", 1, "int64", false], ["payload", 2, "bytes", false]],
  "benchmark.StartRequest": [],
  "benchmark.StartResponse": [],
  "benchmark.StopRequest": [],
  "benchmark.Result": [
    ["name", 1, "string", false], ["total_ops", 2, "uint64", false], ["total_time", 3, "int64", false], ["throughput", 4, "double", false],
    ["latency_avg", 5, "double", false], ["latency_var", 6, "double", false], ["allocs_per_op", 7, "uint64", false], ["mem_per_op", 8, "uint64", false],
    ["server_stats", 9, "benchmark.MemoryStat", true],
  ],
  "benchmark.MemoryStat": [["allocs", 1, "uint64", false], ["memory", 2, "uint64", false]],
};

const SCALAR_NAMES: Record<number, string> = { 1: "double", 3: "int64", 4: "uint64", 9: "string", 12: "bytes" };

/** The Gorums call types a method's options set (gorums.proto's extensions). */
function callType(method: (typeof Benchmark.methods)[number]): string {
  const kinds = { rpc, unicast, multicast: multicastOption, quorumcall };
  return Object.entries(kinds)
    .filter(([, ext]) => getOption(method, ext))
    .map(([name]) => name)
    .join(",");
}

describe("Go Gorums' benchmark service on our bench servers", () => {
  it("has every method of Go's benchmark.Benchmark with its messages and call type", () => {
    expect(Benchmark.typeName).toBe("benchmark.Benchmark");
    for (const [name, input, output, kind] of GO_METHODS) {
      const m = Benchmark.methods.find((x) => x.name === name);
      expect(m, name).toBeDefined();
      expect([m!.input.typeName, m!.output.typeName, m!.methodKind]).toEqual([input, output, "unary"]);
      expect(callType(m!), name).toBe(kind);
    }
  });

  it("has Go's message fields: names, numbers, types, implicit presence", () => {
    const messages = new Map(Benchmark.methods.flatMap((m) => [m.input, m.output]).map((d) => [d.typeName, d]));
    messages.set("benchmark.MemoryStat", MemoryStatSchema);
    for (const [typeName, fields] of Object.entries(GO_FIELDS)) {
      const desc = messages.get(typeName);
      expect(desc, typeName).toBeDefined();
      const ours = desc!.fields.map((f) => [f.name, f.number, f.message?.typeName ?? SCALAR_NAMES[f.scalar ?? -1], f.fieldKind === "list"]);
      expect(ours, typeName).toEqual(fields);
      expect(desc!.fields.every((f) => f.presence === 2 /* IMPLICIT */ || f.fieldKind === "list"), typeName).toBe(true);
    }
  });

  it("encodes messages as Go does, byte for byte", () => {
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    // send_time = 1 (field 1 varint), payload = ab (field 2, length 1).
    expect(hex(toBinary(TimedMsgSchema, create(TimedMsgSchema, { sendTime: 1n, payload: new Uint8Array([0xab]) })))).toBe("080112 01ab".replace(" ", ""));
    // Implicit presence: zero values are not written.
    expect(hex(toBinary(EchoSchema, create(EchoSchema, {})))).toBe("");
    // total_ops = 300 (varint ac02), throughput = 1.5 (field 4, fixed64), server_stats[0].memory = 7.
    const r = create(ResultSchema, { totalOps: 300n, throughput: 1.5, serverStats: [{ memory: 7n }] });
    expect(hex(toBinary(ResultSchema, r))).toBe("10ac02" + "21000000000000f83f" + "4a021007");
  });

  it("a server-side campaign counts every multicast of the window and measures its one-way latency", async () => {
    const { config } = await testServers(3, (srv) => registerBenchmarkServer(srv, benchmarkService()), { onCleanup: onTestFinished });
    const ctx = config.context();
    await multicast(ctx, { sendTime: unixNanos() }); // before the campaign: not counted
    await startServerBenchmark(ctx, {}).all();
    for (let i = 0; i < 50; i++) {
      await multicast(ctx, { sendTime: unixNanos(), payload: new Uint8Array(8) });
    }
    const replies = await stopServerBenchmark(ctx, {}).results().collectAll();
    expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
    for (const r of replies.values()) {
      expect(r.totalOps).toBe(50n);
      expect(r.totalTime).toBeGreaterThan(0n);
      expect(r.latencyAvg).toBeGreaterThan(0);
      expect(r.latencyAvg).toBeLessThan(10e9);
      expect(r.throughput).toBeCloseTo(50 / (Number(r.totalTime) / 1e9), 3);
    }
  });

  it("Go's flow runs every benchmark against our servers, with the servers' allocations (remote)", async () => {
    const { config } = await testServers(3, (srv) => registerBenchmarkServer(srv, benchmarkService()), { onCleanup: onTestFinished });
    const results = await runGoFlow(config, { concurrent: 2, maxAsync: 8, payload: 16, warmupMs: 20, durationMs: 150, quorumSize: 2, remote: true }, /.*/);
    expect(results.map((r) => r.name)).toEqual([...GO_BENCHMARKS].sort());
    for (const r of results) {
      expect(r.totalOps, r.name).toBeGreaterThan(0);
      expect(r.latencyAvg, r.name).toBeGreaterThan(0);
      // Multicast's are averages over the servers: close, not equal.
      expect(Math.abs(r.throughput / (r.totalOps / (r.totalTime / 1e9)) - 1), r.name).toBeLessThan(0.01);
    }
    const qc = results.find((r) => r.name === "QuorumCall")!;
    expect(qc.serverStats).toHaveLength(3);
    expect(qc.memPerOp).toBeGreaterThan(0);
    // SlowServer waits 10 ms at the server: no call is faster.
    expect(results.find((r) => r.name === "SlowServer")!.latencyAvg).toBeGreaterThanOrEqual(10e6);
    expect(goFlowTable(results)).toMatch(/^Benchmark\s+Throughput\s+Latency\s+Std\.dev\s+Client\+Servers\nAsyncQuorumCall\s+[\d.]+ ops\/sec\s+[\d.]+ ms/);
  });

  it("pools the servers' results as Go's StopServerBenchmarkQF: mean weighted by ops, variance pooled", () => {
    const result = (ops: number, mean: number, variance: number) => create(ResultSchema, { totalOps: BigInt(ops), totalTime: 2_000_000_000n, throughput: ops / 2, latencyAvg: mean, latencyVar: variance }) as Result;
    const pooled = poolServerResults([result(10, 100, 4), result(30, 200, 8)]);
    expect(pooled.totalOps).toBe(20);
    expect(pooled.throughput).toBe(10);
    expect(pooled.latencyAvg).toBe((10 * 100 + 30 * 200) / 40);
    expect(pooled.latencyVar).toBeCloseTo((9 * 4 + 29 * 8) / 38, 10);
    expect(() => poolServerResults([])).toThrow(/no server/);
  });

  it("a client's campaign keeps its latencies for the median and p99 (nearest rank); a server's keeps none", () => {
    const client = new CampaignStats({ quantiles: true });
    const server = new CampaignStats();
    for (let i = 100; i >= 1; i--) {
      client.addLatency(i * 1000);
      server.addLatency(i * 1000);
    }
    expect(client.quantile(0.5)).toBe(50_000);
    expect(client.quantile(0.99)).toBe(99_000);
    expect(server.quantile(0.5)).toBeUndefined();
    client.clear();
    expect(client.quantile(0.5)).toBeNaN();
  });

  it("reads Go's benchmark client output: its table line and bash's times", () => {
    const out = [
      "Benchmark     Throughput          Latency    Std.dev    Client+Servers",
      "QuorumCall    12345.67 ops/sec    0.08 ms    0.02 ms    1234 B/op    20 allocs/op",
      "0m0.010s 0m0.002s",
      "0m1.500s 0m0.250s",
    ].join("\n");
    expect(parseGoClientOutput(out, "QuorumCall")).toEqual({ callsPerSec: 12345.67, meanMs: 0.08, stddevMs: 0.02, cpuUs: 1.75e6 });
    expect(() => parseGoClientOutput("panic: boom", "QuorumCall")).toThrow(/cannot read/);
  });
});

/** The stand-in for Go Gorums' cmd/benchmark, built by `pnpm build` (interop's build) where go is installed. */
const GO_BENCH = fileURLToPath(new URL("../../../interop/go/bin/gorums-go-bench", import.meta.url));
const goBenchBuilt = existsSync(GO_BENCH);
if (!goBenchBuilt) {
  const msg = `${GO_BENCH} is not built (is go on PATH?): the Go side of the benchmark service is not tested`;
  if (process.env.CI === "true") {
    throw new Error(msg);
  }
  console.warn(`\n*** ${msg}; SKIPPING it ***\n`);
}

/** A Go benchmark client (`bin`) runs each of `benchmarks` against three of our servers: every one completes calls. */
async function goClientAgainstOurServers(bin: string, benchmarks: readonly string[]): Promise<void> {
  const { addrs } = await testServers(3, (srv) => registerBenchmarkServer(srv, benchmarkService()), { onCleanup: onTestFinished });
  for (const benchmark of benchmarks) {
    const r = await runGoClient(bin, { remotes: addrs, benchmark, quorumSize: 2, concurrent: 2, payload: 16, timeS: 0.3, warmupS: 0.05 });
    expect(r.callsPerSec, benchmark).toBeGreaterThan(0);
    expect(r.cpuUs, benchmark).toBeGreaterThan(0);
    if (benchmark === "SlowServer") {
      expect(r.meanMs).toBeGreaterThanOrEqual(10);
    }
  }
}

/**
 * Our flow, with `options`, runs the benchmarks `names` against three Go
 * benchmark servers (`bin`): every one completes calls, and QuorumCall's
 * campaign has the three servers' StopBenchmark replies with Go's
 * allocation counts.
 */
async function ourFlowAgainstGoServers(bin: string, options: ManagerOptions, names: readonly string[]): Promise<void> {
  const addrs = (await freePorts(3)).map((p) => `127.0.0.1:${p}`);
  const servers = await Promise.all(addrs.map((a) => startGoServer(bin, a)));
  onTestFinished(() => {
    for (const s of servers) {
      s.kill("SIGKILL");
    }
  });
  const config = newConfig(withNodeList(addrs), options);
  onTestFinished(() => config.close());
  const results = await runGoFlow(config, { concurrent: 2, maxAsync: 8, payload: 16, warmupMs: 20, durationMs: 150, quorumSize: 2, remote: true }, new RegExp(`^(${names.join("|")})$`));
  expect(results.map((r) => r.name).sort()).toEqual([...names].sort());
  for (const r of results) {
    expect(r.totalOps, r.name).toBeGreaterThan(0);
    expect(r.latencyAvg, r.name).toBeGreaterThan(0);
  }
  const qc = results.find((r) => r.name === "QuorumCall")!;
  expect(qc.serverStats).toHaveLength(3);
  expect(qc.serverStats.every((s) => s.allocs > 0 && s.memory > 0)).toBe(true);
}

describe.skipIf(!goBenchBuilt)("Go's benchmark across languages (gorums-go-bench, Go's protobuf and grpc-go)", () => {
  it("a Go client runs QuorumCall, SlowServer and Multicast against our servers, whose campaigns it reads", async () => {
    await goClientAgainstOurServers(GO_BENCH, ["QuorumCall", "SlowServer", "Multicast"]);
  });

  it("our flow runs every benchmark against Go servers and reads their campaigns (Go counts allocations)", async () => {
    await ourFlowAgainstGoServers(GO_BENCH, {}, ["QuorumCall", "SlowServer", "Multicast"]);
  });
});

/** The go command, which builds the released Go Gorums (bench/go-release). */
const goInstalled = spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
if (!goInstalled) {
  const msg = "go is not on PATH: the released Go Gorums against ours is not tested";
  if (process.env.CI === "true") {
    throw new Error(msg);
  }
  console.warn(`\n*** ${msg}; SKIPPING it ***\n`);
}

describe.skipIf(!goInstalled)("the released Go Gorums (v0.11.0) and ours, on its wire (/ordering.Gorums/NodeStream)", () => {
  let release = "";
  beforeAll(async () => {
    const found = await findReleasedGoBenchmark();
    if (!("path" in found)) {
      throw new Error(`the released Go Gorums did not build: ${found.unavailable}`);
    }
    release = found.path;
  }, 300_000);

  it("its client runs QuorumCall, AsyncQuorumCall, SlowServer and Multicast against our servers", async () => {
    await goClientAgainstOurServers(release, ["QuorumCall", "AsyncQuorumCall", "SlowServer", "Multicast"]);
  });

  it('our flow with wire "ordering" runs every benchmark against its servers and reads their campaigns (Go counts allocations)', async () => {
    await ourFlowAgainstGoServers(release, { wire: "ordering" }, ["QuorumCall", "AsyncQuorumCall", "SlowServer", "Multicast"]);
  });
});
