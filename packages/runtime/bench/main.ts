/**
 * `pnpm bench`: Gorums call types side by side with the baselines they are
 * judged against, measured in one run, modelled on Go Gorums'
 * cmd/benchmark. See USAGE in flags.ts and docs/performance.md.
 *
 * Servers run in their own processes (this script, forked with --server or
 * a --role); `--remotes` uses servers started elsewhere with
 * `--server host:port`. Results go to stdout (a table, or JSON with
 * --json); a progress line goes to stderr.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { BASELINES, Bench, BENCHMARKS, type Row } from "./benchmarks.js";
import { type Flags, type Protocol, parseFlags, protocolLabel, USAGE } from "./flags.js";
import { Progress } from "./progress.js";
import { checkTargets, machine, setupDifferences, table } from "./report.js";
import { runRole } from "./roles.js";
import { type ChartSeries, latencyThroughputSvg } from "./svg.js";

const SCRIPT = fileURLToPath(import.meta.url);
/** The in-flight windows of the --svg sweep. */
const SWEEP = [1, 4, 16, 64, 256];

interface Step {
  readonly label: string;
  readonly run: () => Promise<Row | undefined>;
}

async function main(): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.list) {
    for (const b of BENCHMARKS) {
      process.stdout.write(`${b.name.padEnd(20)}${b.description}\n`);
    }
    process.stdout.write("\nbaselines (--baselines):\n");
    for (const b of BASELINES) {
      process.stdout.write(`${b.name.padEnd(20)}${b.description}\n`);
    }
    return 0;
  }
  if (flags.role !== undefined || flags.server !== undefined) {
    await runRole(flags.role ?? "server", { ...flags, addr: flags.server ?? "127.0.0.1:0" });
    return -1; // keep serving
  }
  return runBenchmarks(flags);
}

async function runBenchmarks(flags: Flags): Promise<number> {
  const selected = (name: string) => flags.benchmarks.test(name);
  const baseline = (name: string) => flags.baselines !== null && flags.baselines.test(name);
  const local = flags.remotes.length === 0;
  const c = flags.concurrent;
  const progress = new Progress(0);
  const bench = new Bench(flags, SCRIPT, progress);
  const rows: Row[] = [];
  const failures: string[] = [];
  const skipped: string[] = [];
  const steps: Step[] = [];
  const t = flags.protocol;
  const inflight = (n: number) => `${n} in flight`;

  // The same measurement is taken once: the sweep reuses the table's runs.
  const qcRuns = new Map<string, Promise<Row>>();
  const tableKeys = new Set<string>();
  /** Steps that take their row from `qc` (which repeats by itself). */
  const qcSteps = new Set<Step>();
  const qcStep = (label: string, protocol: Protocol, n: number): Step => {
    tableKeys.add(`${protocol}/${n}`);
    const step = { label, run: () => qc(protocol, n) };
    qcSteps.add(step);
    return step;
  };
  const qc = (protocol: Protocol, n: number) => {
    const key = `${protocol}/${n}`;
    let run = qcRuns.get(key);
    if (run === undefined) {
      run = best(flags.repeat, () =>
        protocol === t ? bench.quorumCall(protocol, n) : protocol === "connect" ? bench.connectQuorumCall(n) : bench.quorumCall(protocol, n, "sweep"),
      );
      qcRuns.set(key, run);
    }
    return run;
  };

  // The order of the runs: each target's inputs are measured next to each
  // other (the quorum call and the baselines at its window, then the lone
  // call and its baselines), so that a burst of other work on the machine is
  // less likely to hit one side of a ratio only. The table lists benchmarks
  // first all the same.
  const anyBenchmark = BENCHMARKS.some((b) => selected(b.name));
  const n = flags.configSize;
  const q = flags.quorumSize;
  const qcOrReverse = selected("QuorumCall") || selected("ReverseQuorumCall");
  const rawFanout = (sessions: number, procs: number, quorum: number, window: number) => () =>
    bench.rawFanout({ name: "raw fan-out", sessions, procs, quorum, concurrency: window });
  if (selected("QuorumCall")) {
    steps.push(qcStep(`QuorumCall (${t}, ${inflight(c)})`, t, c));
  }
  if (anyBenchmark && baseline("raw")) {
    steps.push({ label: `baseline (a) raw node:http2 echo (${inflight(c)})`, run: () => bench.rawEcho(c) });
  }
  if (qcOrReverse && baseline("raw-fanout")) {
    steps.push({ label: `baseline (e) raw fan-out to ${n} echo servers (${inflight(c)})`, run: rawFanout(n, n, q, c) });
  }
  if (anyBenchmark && baseline("connect") && t !== "connect") {
    steps.push(qcStep(`baseline (b) QuorumCall over Connect, connect-node (${inflight(c)})`, "connect", c));
  }
  if (anyBenchmark && baseline("fanout")) {
    steps.push({ label: `baseline (c) connect-node unary fan-out (${inflight(c)})`, run: () => bench.unaryFanout(c) });
  }
  if (anyBenchmark && baseline("grpc-js")) {
    steps.push({ label: `baseline (d) grpc-js bidi echo (${inflight(c)})`, run: () => bench.grpcJsEcho(c) });
  }
  if (selected("QuorumCall") && c !== 1) {
    steps.push(qcStep(`QuorumCall (${t}, lone call)`, t, 1));
    if (baseline("raw")) {
      steps.push({ label: "baseline (a) raw node:http2 echo (1 in flight)", run: () => bench.rawEcho(1) });
    }
    if (baseline("raw-fanout")) {
      steps.push({ label: `baseline (e) raw fan-out to ${n} echo servers (lone call)`, run: rawFanout(n, n, q, 1) });
    }
  }
  if (selected("DeadlineQuorumCall")) {
    steps.push({ label: `DeadlineQuorumCall (${t}, ${inflight(c)})`, run: () => bench.deadlineQuorumCall() });
  }
  if (selected("SlowQuorumCall")) {
    steps.push({ label: `SlowQuorumCall, handlers stop when cancelled (${t}, ${inflight(c)})`, run: () => bench.slowQuorumCall(true) });
    steps.push({ label: `SlowQuorumCall, handlers ignore the cancel (${t}, ${inflight(c)})`, run: () => bench.slowQuorumCall(false) });
  }
  if (selected("StreamQuorumCall")) {
    steps.push({ label: `StreamQuorumCall (${t}, ${inflight(c)})`, run: () => bench.streamQuorumCall() });
  }
  if (selected("Multicast")) {
    steps.push({ label: `Multicast (${t}, ${inflight(c)})`, run: () => bench.multicast() });
  }
  if (selected("Unicast")) {
    steps.push({ label: `Unicast (${t}, ${inflight(c)})`, run: () => bench.unicast() });
  }
  if (selected("Rpc")) {
    steps.push({ label: `Rpc (${t}, ${inflight(c)})`, run: () => bench.rpc() });
  }
  if (selected("ReverseQuorumCall")) {
    if (local) {
      steps.push({
        label: `ReverseQuorumCall (${t}, ${n} client peers, ${inflight(c)})`,
        run: () => bench.reverse({ name: "ReverseQuorumCall", peers: n, procs: Math.min(n, 4), quorum: q, concurrency: c, measureIdle: false }),
      });
    } else {
      skipped.push("ReverseQuorumCall: runs on local processes only (not with --remotes)");
    }
  }
  if (selected("NestedQuorumCall")) {
    steps.push({ label: `NestedQuorumCall (${t}, ${inflight(c)})`, run: () => bench.nestedQuorumCall() });
  }
  if (selected("ManyClientPeers")) {
    if (local) {
      const m = flags.clientPeers;
      const majority = Math.floor(m / 2) + 1;
      steps.push({
        label: `ManyClientPeers (${t}, ${m} client peers, lone call)`,
        run: () => bench.reverse({ name: "ManyClientPeers", peers: m, procs: Math.min(m, 2), quorum: majority, concurrency: 1, measureIdle: true }),
      });
      if (baseline("raw-fanout")) {
        steps.push({ label: `baseline (e) raw fan-out over ${m} connections (lone call)`, run: rawFanout(m, Math.min(m, 2), majority, 1) });
      }
    } else {
      skipped.push("ManyClientPeers: runs on local processes only (not with --remotes)");
    }
  }
  const sweepRows = new Map<string, Row>();
  if (flags.svg !== undefined) {
    // Windows in order, the two protocols side by side: a burst of other
    // work on the machine then hits both lines alike.
    for (const n of SWEEP) {
      for (const protocol of ["grpc", "connect"] as const) {
        const key = `${protocol}/${n}`;
        const reused = tableKeys.has(key);
        const run = async () => {
          const row = await qc(protocol, n);
          sweepRows.set(key, row);
          return reused ? undefined : { ...row, kind: "sweep" as const };
        };
        const step = { label: `sweep: QuorumCall (${protocol}, ${inflight(n)})${reused ? " (measured above)" : ""}`, run };
        qcSteps.add(step);
        steps.push(step);
      }
    }
  }
  progress.addSteps(steps.length);

  const m = machine();
  const loadAtStart = loadavg()[0] ?? 0;
  const header = [
    `gorums-ts bench: ${flags.configSize} servers, quorum ${flags.quorumSize}, ${flags.payload}-byte payload, ${c} in flight, ${flags.timeS} s per run after ${flags.warmupS} s warmup${flags.repeat > 1 ? `, best of ${flags.repeat} runs each` : ""}, protocol ${t} (${protocolLabel(t)})`,
    `${local ? "servers in their own processes on 127.0.0.1" : `remote servers ${flags.remotes.join(",")}`}; ${m.cpus} CPUs (${m.cpuModel}), node ${m.node}, ${m.platform}; load average ${loadAtStart.toFixed(2)}`,
  ];
  if (!flags.json) {
    process.stdout.write(`${header.join("\n")}\n`);
  }

  try {
    for (const step of steps) {
      progress.begin(step.label);
      try {
        const row = qcSteps.has(step) ? await step.run() : await best(flags.repeat, step.run);
        if (row !== undefined) {
          rows.push(row);
        }
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        failures.push(`${step.label}: ${why}`);
        progress.note(`FAILED ${step.label}: ${why}`);
      } finally {
        progress.end();
      }
    }
  } finally {
    await bench.stop();
  }

  const loadAtEnd = loadavg()[0] ?? 0;
  const targets = checkTargets(rows, flags);
  const diffs = setupDifferences(flags);
  let series: ChartSeries[] | undefined;
  if (flags.svg !== undefined) {
    series = [
      { label: "gRPC protocol, our http2 NodeStream (default)", color: "#1f77b4", points: SWEEP.flatMap((n) => point(sweepRows.get(`grpc/${n}`))) },
      { label: "Connect protocol, connect-node NodeStream", color: "#d62728", points: SWEEP.flatMap((n) => point(sweepRows.get(`connect/${n}`))) },
    ];
    const subtitle = `${flags.configSize} servers, quorum ${flags.quorumSize}, ${flags.payload}-byte payload; ${m.cpus} CPUs, node ${m.node}`;
    writeFileSync(flags.svg, latencyThroughputSvg(series, "Quorum call: median latency vs throughput", subtitle));
  }

  if (flags.json) {
    const json = {
      machine: { ...m, loadAverage: { start: loadAtStart, end: loadAtEnd } },
      options: { ...flags, benchmarks: flags.benchmarks.source, baselines: flags.baselines?.source ?? null },
      results: rows.map((r) => ({ ...r, msgPerSec: r.stats.callsPerSec * r.msgsPerCall, mbPerSec: (r.stats.callsPerSec * r.payloadBytesPerCall) / 1e6 })),
      targets,
      sweep: series,
      skipped,
      failures,
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const order = ["raw echo", "raw fan-out", "QuorumCall", "unary fan-out", "grpc-js echo"];
    const baselines = rows
      .filter((r) => r.kind === "baseline")
      .sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name) || x.nodes - y.nodes || y.concurrency - x.concurrency);
    const listed = rows.filter((r) => r.kind === "benchmark").concat(baselines);
    process.stdout.write(`\n${table(listed)}\n`);
    process.stdout.write(`(load average ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end: other work on this machine shares its ${m.cpus} CPUs)\n`);
    process.stdout.write("\nmsg/s = calls/s × requests per call; MB/s = application payload sent and received by the caller; latency of one-way calls: until written; CPU µs/call = calling process + serving processes; heap/RSS after the run (after a GC) of the calling process\n");
    for (const s of skipped) {
      process.stdout.write(`skipped ${s}\n`);
    }
    if (targets.length > 0) {
      process.stdout.write(`\ntargets (issue 6)${diffs.length > 0 ? ` — this setup differs: ${diffs.join(", ")}` : ""}:\n`);
      for (const tc of targets) {
        process.stdout.write(`${tc.pass ? "PASS" : "FAIL"}${tc.suspect !== undefined ? "?" : " "} ${tc.target}: ${tc.detail}\n`);
        if (tc.suspect !== undefined) {
          process.stdout.write(`       ^ ${tc.suspect}\n`);
        }
      }
    }
    if (flags.svg !== undefined) {
      process.stdout.write(`\nchart written to ${flags.svg}\n`);
    }
  }
  for (const f of failures) {
    process.stderr.write(`failed: ${f}\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

/** Runs `run` `times` times; keeps the row with the most calls/s (undefined rows are passed through). */
async function best(times: number, run: () => Promise<Row | undefined>): Promise<Row> {
  let top: Row | undefined;
  for (let i = 0; i < times; i++) {
    const row = await run();
    if (row !== undefined && (top === undefined || row.stats.callsPerSec > top.stats.callsPerSec)) {
      top = row;
    }
  }
  return top as Row;
}

function point(r: Row | undefined): ChartSeries["points"] {
  return r === undefined ? [] : [{ concurrency: r.concurrency, callsPerSec: r.stats.callsPerSec, medianMs: r.stats.medianMs }];
}

main().then(
  (code) => {
    if (code >= 0) {
      process.exit(code);
    }
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
