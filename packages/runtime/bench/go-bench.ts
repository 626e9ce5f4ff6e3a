/**
 * `pnpm bench:go`: gorums-ts beside Go Gorums, with Go Gorums' own benchmark
 * (QuorumCall of package `benchmark`, driven the way `cmd/benchmark` drives
 * it). Four pairings of client and servers — Go → Go, TS → TS, Go client →
 * TS servers, TS client → Go servers — every server in its own process, the
 * same configuration size, quorum size, payload, concurrency and duration,
 * at Go's defaults (1 caller, empty payload) and at ours (64 callers,
 * 16 bytes); the pairings alternate and each repeats (`--repeat`, best of N
 * by calls/s), so a disturbed run shows as a spread. Figures: calls/s, mean
 * latency and its standard deviation (what Go's client reports), CPU µs per
 * call of client and servers together, each as a ratio to Go → Go.
 *
 * Go Gorums' `cmd/benchmark` comes from $GORUMS_GO_BENCHMARK or is built
 * from the Go module proxy (go-gorums.ts); when neither works, the Go
 * pairings are listed as unavailable with the reason. The released Go
 * Gorums that bench/go-release/go.mod pins runs three more: its client and
 * servers (Go → Go), its client against our servers, and our client against
 * its servers, on its own wire (`/ordering.Gorums/NodeStream`, which our
 * servers serve and our client dials with `wire: "ordering"`). The ratios
 * are taken against its Go → Go when the current wire's Go → Go did not
 * run, and the first line says which.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type GorumsWire, newConfig, withNodeList } from "../src/index.js";
import { freePorts, startServers, type Cluster } from "./cluster.js";
import { CpuWatch } from "./cpu.js";
import { findGoBenchmark, findReleasedGoBenchmark, runGoClient, startGoServer, type GoBenchmark, type ReleasedGoBenchmark } from "./go-gorums.js";
import { runGoFlow } from "./go-flow.js";
import { numberFlag, scanArgv } from "./argv.js";
import { measureIdlePeerMemory, type IdlePeerMemory, type NodeStreamTarget } from "./idle-peer-memory.js";
import { ORDERING_WIRE, STREAM_WIRE } from "../src/wire/grpc/node-stream-wire.js";

const BENCH_MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

/**
 * A client-and-servers pairing. "Go release": Go → Go with the released Go
 * Gorums (bench/go-release); "Go release → TS" its client against our
 * servers, "TS → Go release" our client against its servers, on its wire.
 */
type Pairing = "Go → Go" | "TS → TS" | "Go → TS" | "TS → Go" | "Go release" | "Go release → TS" | "TS → Go release";
const PAIRINGS: readonly Pairing[] = ["Go → Go", "TS → TS", "Go → TS", "TS → Go", "Go release", "Go release → TS", "TS → Go release"];

/** Whether a pairing runs the released Go Gorums. */
const withRelease = (p: Pairing) => p === "Go release" || p === "Go release → TS" || p === "TS → Go release";

/** The Go programs the pairings run. */
interface GoPrograms {
  /** Go Gorums on our wire. */
  readonly current: GoBenchmark;
  /** The released Go Gorums. */
  readonly release: ReleasedGoBenchmark;
}

/** How a pairing is named in the table. */
function pairingLabel(p: Pairing, go: GoPrograms): string {
  const release = `Go Gorums ${"version" in go.release ? go.release.version : "release"}`;
  if (p === "Go release") return `Go → Go, ${release}`;
  if (p === "Go release → TS") return `Go → TS, ${release} client`;
  if (p === "TS → Go release") return `TS → Go, ${release} servers`;
  return p;
}

/** Whether a pairing can run with the Go programs found. */
function runnable(p: Pairing, go: GoPrograms): boolean {
  if (p === "TS → TS") return true;
  return withRelease(p) ? "path" in go.release : "path" in go.current;
}

/** Concurrency and payload of one setting. */
interface Setting {
  readonly label: string;
  readonly concurrent: number;
  readonly payload: number;
}

/** One measurement. */
interface Figures {
  readonly callsPerSec: number;
  readonly meanMs: number;
  readonly stddevMs: number;
  /** Median and p99 latency: only where our client timed the calls (Go's client reports mean and std. dev.). */
  readonly medianMs?: number;
  readonly p99Ms?: number;
  /** CPU µs per call, client and servers, over the client's whole run. */
  readonly cpuUsPerCall: number | undefined;
}

interface Options {
  readonly configSize: number;
  readonly quorumSize: number;
  readonly timeS: number;
  readonly warmupS: number;
  readonly repeat: number;
  /** Idle client peers for the memory figure (0: not measured). */
  readonly idlePeers: number;
  readonly json: string | undefined;
}

const USAGE = `usage: pnpm bench:go [flags]

  --config-size N   servers (default 4)
  --quorum-size N   replies a quorum call waits for (default a majority)
  --time S          seconds measured per run (default 2; Go's is 1)
  --warmup S        seconds of warmup per run (default 1; Go's 0.1 leaves Node's JIT cold)
  --repeat N        runs of each pairing and setting, alternating; the best is kept (default 3)
  --idle-peers N    idle client peers per server for the memory figure (default 500; 0: skip)
  --json FILE       also write the results as JSON
Go Gorums' cmd/benchmark: $GORUMS_GO_BENCHMARK, or built with go from
${"github.com/relab/gorums"}@$GORUMS_GO_VERSION (default latest). The released
Go Gorums (Go → Go, and on its own wire with ours): $GORUMS_GO_RELEASE_BENCHMARK, or built with go from
the version bench/go-release/go.mod pins.
`;

function parse(argv: readonly string[]): Options | "help" {
  const { values: v, bools } = scanArgv(argv, new Set(["config-size", "quorum-size", "time", "warmup", "repeat", "idle-peers", "json"]), new Set(["help", "h"]));
  if (bools.size > 0) {
    return "help";
  }
  const num = (name: string, def: number, min: number) => numberFlag(v, name, def, min);
  const configSize = Math.floor(num("config-size", 4, 1));
  return {
    configSize,
    quorumSize: Math.min(configSize, Math.floor(num("quorum-size", Math.floor(configSize / 2) + 1, 1))),
    timeS: num("time", 2, 0.05),
    // Longer than Go's 0.1 s: a fresh Node process has not compiled its hot paths by then.
    warmupS: num("warmup", 1, 0),
    repeat: Math.floor(num("repeat", 3, 1)),
    idlePeers: Math.floor(num("idle-peers", 500, 0)),
    json: v.get("json"),
  };
}

/** Servers of one kind, each in its own process. */
interface Servers {
  readonly addrs: readonly string[];
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

async function tsServers(n: number): Promise<Servers> {
  const cluster: Cluster = await startServers(BENCH_MAIN, n);
  return { addrs: cluster.addrs, pids: cluster.pids, stop: () => cluster.stop() };
}

async function goServers(bin: string, n: number): Promise<Servers> {
  const addrs = (await freePorts(n)).map((p) => `127.0.0.1:${p}`);
  const children = await Promise.all(addrs.map((a) => startGoServer(bin, a)));
  return {
    addrs,
    pids: children.flatMap((c) => (c.pid === undefined ? [] : [c.pid])),
    stop: () => Promise.all(children.map(stopProcess)).then(() => {}),
  };
}

/** SIGTERM to `child`; resolves once it has exited. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  return exited;
}

/**
 * Our client, in this process, running Go's QuorumCall benchmark. Its CPU is
 * counted over the whole run, warmup included, as the Go client's is.
 */
async function tsClient(servers: Servers, o: Options, s: Setting, wire: GorumsWire = "stream"): Promise<Figures> {
  const config = newConfig(withNodeList([...servers.addrs]), { wire });
  try {
    const watch = new CpuWatch(undefined, servers.pids);
    watch.start();
    const [r] = await runGoFlow(config, { concurrent: s.concurrent, maxAsync: 1000, payload: s.payload, warmupMs: o.warmupS * 1000, durationMs: o.timeS * 1000, quorumSize: o.quorumSize, remote: true }, /^QuorumCall$/);
    watch.stop();
    if (r === undefined) {
      throw new Error("QuorumCall did not run");
    }
    const cpu = watch.perCalls(r.throughput * (o.warmupS + o.timeS));
    const quantiles = {
      ...(r.latencyMedian !== undefined ? { medianMs: r.latencyMedian / 1e6 } : {}),
      ...(r.latencyP99 !== undefined ? { p99Ms: r.latencyP99 / 1e6 } : {}),
    };
    return { callsPerSec: r.throughput, meanMs: r.latencyAvg / 1e6, stddevMs: Math.sqrt(r.latencyVar) / 1e6, ...quantiles, cpuUsPerCall: cpu === undefined || cpu.servers === undefined ? undefined : cpu.caller + cpu.servers };
  } finally {
    config.close();
  }
}

/** Go's client as a process, running its QuorumCall benchmark. */
async function goClient(bin: string, servers: Servers, o: Options, s: Setting): Promise<Figures> {
  const watch = new CpuWatch(undefined, servers.pids);
  watch.start();
  const r = await runGoClient(bin, { remotes: servers.addrs, benchmark: "QuorumCall", quorumSize: o.quorumSize, concurrent: s.concurrent, payload: s.payload, timeS: o.timeS, warmupS: o.warmupS });
  watch.stop();
  // Calls in the whole run (warmup included, at the measured rate): what the CPU was spent on.
  const calls = r.callsPerSec * (o.warmupS + o.timeS);
  const serversUs = watch.perCalls(calls)?.servers;
  return { callsPerSec: r.callsPerSec, meanMs: r.meanMs, stddevMs: r.stddevMs, cpuUsPerCall: serversUs === undefined ? undefined : serversUs + r.cpuUs / calls };
}

async function measure(p: Pairing, go: GoPrograms, o: Options, s: Setting): Promise<Figures> {
  if (withRelease(p)) {
    if (!("path" in go.release)) {
      throw new Error("the released Go Gorums is unavailable");
    }
    const bin = go.release.path;
    const servers = p === "Go release → TS" ? await tsServers(o.configSize) : await goServers(bin, o.configSize);
    try {
      return p === "TS → Go release" ? await tsClient(servers, o, s, "ordering") : await goClient(bin, servers, o, s);
    } finally {
      await servers.stop();
    }
  }
  const goBin = "path" in go.current ? go.current.path : undefined;
  const serversAreGo = p === "Go → Go" || p === "TS → Go";
  const clientIsGo = p === "Go → Go" || p === "Go → TS";
  if ((serversAreGo || clientIsGo) && goBin === undefined) {
    throw new Error("Go Gorums is unavailable");
  }
  const servers = serversAreGo ? await goServers(goBin!, o.configSize) : await tsServers(o.configSize);
  try {
    return clientIsGo ? await goClient(goBin!, servers, o, s) : await tsClient(servers, o, s);
  } finally {
    await servers.stop();
  }
}

/** The servers whose memory per idle client peer is measured: one process of each kind found. */
type ServerKind = "TS" | "Go" | "Go release";

/** Memory per idle client peer of one server process of `kind`, on the NodeStream its wire uses. */
async function idleMemory(kind: ServerKind, go: GoPrograms, n: number): Promise<IdlePeerMemory> {
  const release = kind === "Go release";
  const bin = release ? ("path" in go.release ? go.release.path : undefined) : "path" in go.current ? go.current.path : undefined;
  const servers = kind === "TS" ? await tsServers(1) : await goServers(bin!, 1);
  try {
    // Each server on the wire its Go Gorums speaks (ours serves both; the current one here).
    const wire = release ? ORDERING_WIRE : STREAM_WIRE;
    const target: NodeStreamTarget = { addr: servers.addrs[0]!, pid: servers.pids[0]!, path: wire.path, contentType: wire.contentType };
    return await measureIdlePeerMemory(target, n);
  } finally {
    await servers.stop();
  }
}

/** How a server kind is named in the memory table. */
function serverLabel(kind: ServerKind, go: GoPrograms): string {
  if (kind === "TS") return "TS servers";
  if (kind === "Go") return "Go servers (our wire)";
  return `Go Gorums ${"version" in go.release ? go.release.version : "release"} servers`;
}

const fmt = (n: number | undefined, digits: number) => (n === undefined ? "n/a" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (n: number | undefined, base: number | undefined) => (n === undefined || base === undefined || base === 0 ? "n/a" : `${(n / base).toFixed(2)}×`);

async function main(): Promise<number> {
  let o: Options | "help";
  try {
    o = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const settings: Setting[] = [
    { label: "Go's defaults: 1 caller, 0 B", concurrent: 1, payload: 0 },
    { label: "ours: 64 callers, 16 B", concurrent: 64, payload: 16 },
  ];
  const go: GoPrograms = { current: await findGoBenchmark(), release: await findReleasedGoBenchmark() };
  const pairings = PAIRINGS.filter((p) => runnable(p, go));
  const best = new Map<string, Figures>();
  const runs = new Map<string, number[]>();
  for (let round = 0; round < o.repeat; round++) {
    for (const s of settings) {
      for (const p of pairings) {
        process.stderr.write(`bench:go: round ${round + 1}/${o.repeat}, ${s.label}, ${p}\n`);
        const f = await measure(p, go, o, s);
        const key = `${s.label}/${p}`;
        runs.set(key, [...(runs.get(key) ?? []), f.callsPerSec]);
        if ((best.get(key)?.callsPerSec ?? -1) < f.callsPerSec) {
          best.set(key, f);
        }
      }
    }
  }
  const kinds: ServerKind[] = (["TS", "Go", "Go release"] as const).filter((k) => k === "TS" || (k === "Go" ? "path" in go.current : "path" in go.release));
  const memory = new Map<ServerKind, IdlePeerMemory | string>();
  if (o.idlePeers > 0 && process.platform === "linux") {
    for (const kind of kinds) {
      process.stderr.write(`bench:go: memory per idle client peer, ${serverLabel(kind, go)}\n`);
      memory.set(kind, await idleMemory(kind, go, o.idlePeers).catch((err: unknown) => (err instanceof Error ? err.message : String(err))));
    }
  }
  const out: string[] = [];
  out.push(`gorums-ts bench:go: QuorumCall of Go Gorums' benchmark service, ${o.configSize} servers (each its own process), quorum ${o.quorumSize}, ${o.timeS} s after ${o.warmupS} s warmup, best of ${o.repeat}`);
  if ("unavailable" in go.current) {
    out.push(`Go Gorums' cmd/benchmark on our wire is unavailable, so the Go → Go, Go → TS and TS → Go pairings did not run: ${go.current.unavailable}`);
  }
  if ("unavailable" in go.release) {
    out.push(`The released Go Gorums is unavailable: ${go.release.unavailable}`);
  } else {
    out.push(`${pairingLabel("Go release", go)}: the release's own cmd/benchmark, client and servers, on its wire (/ordering.Gorums/NodeStream), which our servers serve and our client speaks with wire "ordering" in the two pairings after it`);
  }
  const baseline: Pairing = "path" in go.current || !("path" in go.release) ? "Go → Go" : "Go release";
  out.push(`ratios against ${pairingLabel(baseline, go)}`);
  out.push("median and p99: our client's pairings only (Go's client reports the mean and its standard deviation)");
  const header = ["setting", "pairing", "calls/s", "mean ms", "std.dev ms", "median ms", "p99 ms", "CPU µs/call", "calls/s vs Go→Go", "mean vs Go→Go", "CPU vs Go→Go", "runs (calls/s)"];
  const rows = [header];
  for (const s of settings) {
    const base = best.get(`${s.label}/${baseline}`);
    for (const p of PAIRINGS) {
      const f = best.get(`${s.label}/${p}`);
      rows.push([s.label, pairingLabel(p, go), fmt(f?.callsPerSec, 0), fmt(f?.meanMs, 3), fmt(f?.stddevMs, 3), fmt(f?.medianMs, 3), fmt(f?.p99Ms, 3), fmt(f?.cpuUsPerCall, 1), ratio(f?.callsPerSec, base?.callsPerSec), ratio(f?.meanMs, base?.meanMs), ratio(f?.cpuUsPerCall, base?.cpuUsPerCall), (runs.get(`${s.label}/${p}`) ?? []).map((n) => fmt(n, 0)).join(" ") || "not run"]);
    }
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) {
    out.push(r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd());
  }
  if (memory.size > 0) {
    const memBase = memory.get("path" in go.current ? "Go" : "Go release");
    out.push("");
    out.push(`memory per idle client peer: a server's resident set growth while ${o.idlePeers} connections each hold one idle NodeStream`);
    const memRows = [["server", "KiB per peer", "vs Go"]];
    for (const [kind, m] of memory) {
      const kib = typeof m === "string" ? undefined : m.rssKiBPerPeer;
      memRows.push([serverLabel(kind, go), typeof m === "string" ? `n/a (${m})` : fmt(kib, 1), ratio(kib, typeof memBase === "string" ? undefined : memBase?.rssKiBPerPeer)]);
    }
    const memWidths = memRows[0]!.map((_, c) => Math.max(...memRows.map((r) => r[c]!.length)));
    for (const r of memRows) {
      out.push(r.map((cell, c) => cell.padEnd(memWidths[c]!)).join("  ").trimEnd());
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);
  if (o.json !== undefined) {
    const results = settings.flatMap((s) => PAIRINGS.map((p) => ({ setting: s, pairing: pairingLabel(p, go), best: best.get(`${s.label}/${p}`) ?? null, runs: runs.get(`${s.label}/${p}`) ?? [] })));
    writeFileSync(o.json, `${JSON.stringify({ options: o, go, baseline: pairingLabel(baseline, go), results, idlePeerMemory: Object.fromEntries([...memory].map(([k, m]) => [serverLabel(k, go), m])) }, null, 2)}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:go: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
