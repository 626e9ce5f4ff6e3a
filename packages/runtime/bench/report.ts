/**
 * What `pnpm bench` prints: the machine, the results table with each row's
 * ratios to the baselines measured in the same run, and the PASS/FAIL lines
 * of issue 6's targets.
 */
import * as os from "node:os";
import { msgRate, type Row } from "./benchmarks.js";
import type { Flags } from "./flags.js";

/** The machine the numbers come from. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** Ratios of a row to the baselines of the same run (undefined: not measured, or not comparable). */
export interface Ratios {
  /** Message rate ÷ raw echo message rate at the same window. */
  readonly raw?: number;
  /** Message rate ÷ grpc-js echo message rate at the same window. */
  readonly grpcJs?: number;
  /** Quorum calls: calls/s ÷ the Connect-protocol (connect-node) quorum call's at the same window. */
  readonly connect?: number;
  /** Quorum calls: calls/s ÷ the unary fan-out's at the same window. */
  readonly fanout?: number;
  /** Quorum calls: calls/s ÷ the raw fan-out's to as many nodes at the same window. */
  readonly rawFanout?: number;
}

function find(rows: readonly Row[], name: string, concurrency: number, nodes?: number): Row | undefined {
  return rows.find((r) => r.name === name && r.concurrency === concurrency && (nodes === undefined || r.nodes === nodes) && r.kind !== "sweep");
}

export function ratios(row: Row, rows: readonly Row[]): Ratios {
  const out: { -readonly [K in keyof Ratios]: Ratios[K] } = {};
  if (row.name === "raw echo") {
    return out;
  }
  const raw = find(rows, "raw echo", row.concurrency);
  if (raw !== undefined) {
    out.raw = msgRate(row) / msgRate(raw);
  }
  const grpc = find(rows, "grpc-js echo", row.concurrency);
  if (grpc !== undefined && row.name !== "grpc-js echo") {
    out.grpcJs = msgRate(row) / msgRate(grpc);
  }
  if (row.name === "QuorumCall" && row.kind === "benchmark") {
    const cn = rows.find((r) => r.name === "QuorumCall" && r.kind === "baseline" && r.concurrency === row.concurrency);
    if (cn !== undefined) {
      out.connect = row.stats.callsPerSec / cn.stats.callsPerSec;
    }
    const fan = find(rows, "unary fan-out", row.concurrency);
    if (fan !== undefined) {
      out.fanout = row.stats.callsPerSec / fan.stats.callsPerSec;
    }
  }
  if (row.kind === "benchmark" && (row.name === "QuorumCall" || row.name === "ReverseQuorumCall" || row.name === "ManyClientPeers")) {
    const raw = find(rows, "raw fan-out", row.concurrency, row.nodes);
    if (raw !== undefined) {
      out.rawFanout = row.stats.callsPerSec / raw.stats.callsPerSec;
    }
  }
  return out;
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const ms = (n: number) => (!Number.isFinite(n) ? "—" : n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1));
const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
const x = (n: number | undefined) => (n === undefined ? "—" : `${n < 0.1 ? n.toFixed(3) : n.toFixed(2)}×`);

/** The display name of a row: "QuorumCall", "QuorumCall over Connect", "raw echo", … */
export function label(r: Row): string {
  if (r.kind === "baseline" && r.name === "QuorumCall") {
    return "QuorumCall over Connect";
  }
  return r.name;
}

/** The results as an aligned text table (one line per row). */
export function table(rows: readonly Row[]): string {
  const head = ["benchmark", "transport", "N/q", "in flight", "calls/s", "msg/s", "mean ms", "median ms", "p99 ms", "MB/s", "CPU µs/call", "heap MB", "RSS MB", "vs raw", "vs grpc-js", "vs Connect QC", "vs fan-out", "vs raw fan-out", "note"];
  const lines: string[][] = [head];
  for (const r of rows) {
    const ratio = ratios(r, rows);
    const notes: string[] = [];
    if (r.note !== undefined) {
      notes.push(r.note);
    }
    if (r.caller === "server") {
      notes.push("calls and memory: the server process");
    }
    if (r.perClient !== undefined) {
      notes.push(`idle client: ${(r.perClient.rss / 1024).toFixed(1)} KiB RSS, ${(r.perClient.heapUsed / 1024).toFixed(1)} KiB heap`);
    }
    lines.push([
      label(r),
      r.transport,
      r.quorum === undefined ? String(r.nodes) : `${r.nodes}/${r.quorum}`,
      String(r.concurrency),
      int(r.stats.callsPerSec),
      int(msgRate(r)),
      ms(r.stats.meanMs),
      ms(r.stats.medianMs),
      ms(r.stats.p99Ms),
      ((r.stats.callsPerSec * r.payloadBytesPerCall) / 1e6).toFixed(2),
      r.cpu === undefined ? "—" : `${Math.round(r.cpu.caller)}${r.cpu.servers === undefined ? "" : `+${Math.round(r.cpu.servers)}`}`,
      mb(r.memory.heapUsed),
      mb(r.memory.rss),
      x(ratio.raw),
      x(ratio.grpcJs),
      x(ratio.connect),
      x(ratio.fanout),
      x(ratio.rawFanout),
      notes.join("; "),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] as string).length)));
  const right = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  return lines
    .map((l) =>
      l
        .map((c, i) => (i === l.length - 1 ? c : right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** One of issue 6's targets, checked on this run's rows. */
export interface TargetCheck {
  readonly target: string;
  readonly pass: boolean;
  readonly detail: string;
  /** Why this run's verdict cannot be trusted (a baseline was disturbed); absent when it can. */
  readonly suspect?: string;
}

/**
 * Above this, the raw echo on one stream ran slower than the raw fan-out to
 * N servers, which it never does undisturbed (0.66–1.05 × in quiet runs on
 * 2 CPUs): the machine took the CPUs away during the raw echo's run.
 */
const DISTURBED_FANOUT_OVER_RAW = 1.15;

/** The targets that this run measured what they need for. */
export function checkTargets(rows: readonly Row[], flags: Flags): TargetCheck[] {
  const out: TargetCheck[] = [];
  const c = flags.concurrent;
  const qc = rows.find((r) => r.name === "QuorumCall" && r.kind === "benchmark" && r.concurrency === c);
  const raw = find(rows, "raw echo", c);
  if (qc !== undefined && raw !== undefined) {
    const v = msgRate(qc) / msgRate(raw);
    const fan = find(rows, "raw fan-out", c, qc.nodes);
    const fanOverRaw = fan === undefined ? undefined : msgRate(fan) / msgRate(raw);
    out.push({
      target: "quorum-call message rate (calls/s × N) ≥ 0.5 × raw echo rate",
      pass: v >= 0.5,
      detail:
        `${int(msgRate(qc))} msg/s = ${v.toFixed(2)} × raw ${int(msgRate(raw))} msg/s` +
        (fanOverRaw === undefined ? "" : ` (the raw fan-out to ${qc.nodes} echo servers: ${int(msgRate(fan as Row))} msg/s = ${fanOverRaw.toFixed(2)} × raw)`),
      ...(fanOverRaw !== undefined && fanOverRaw > DISTURBED_FANOUT_OVER_RAW
        ? { suspect: `the raw echo ran slower than the raw fan-out (${fanOverRaw.toFixed(2)}×): it was disturbed, so this ratio is not meaningful; run again` }
        : {}),
    });
  }
  const lone = rows.find((r) => r.name === "QuorumCall" && r.kind === "benchmark" && r.concurrency === 1);
  const raw1 = find(rows, "raw echo", 1);
  if (lone !== undefined && raw1 !== undefined) {
    const v = lone.stats.medianMs / raw1.stats.medianMs;
    const fan = find(rows, "raw fan-out", 1, lone.nodes);
    out.push({
      target: "median latency of a lone quorum call ≤ 1.5 × raw round trip",
      pass: v <= 1.5,
      detail:
        `${ms(lone.stats.medianMs)} ms = ${v.toFixed(2)} × raw ${ms(raw1.stats.medianMs)} ms` +
        (fan === undefined ? "" : ` (a lone raw fan-out to ${lone.nodes} echo servers: ${ms(fan.stats.medianMs)} ms = ${(fan.stats.medianMs / raw1.stats.medianMs).toFixed(2)} × raw)`),
    });
  }
  const cn = rows.find((r) => r.name === "QuorumCall" && r.kind === "baseline" && r.concurrency === c);
  if (qc !== undefined && cn !== undefined) {
    const v = qc.stats.callsPerSec / cn.stats.callsPerSec;
    out.push({ target: "quorum call ≥ 5 × the quorum call over Connect (connect-node)", pass: v >= 5, detail: `${int(qc.stats.callsPerSec)} vs ${int(cn.stats.callsPerSec)} calls/s = ${v.toFixed(2)}×` });
  }
  const fan = find(rows, "unary fan-out", c);
  if (qc !== undefined && fan !== undefined) {
    const v = qc.stats.callsPerSec / fan.stats.callsPerSec;
    out.push({ target: "quorum call ≥ 10 × the unary fan-out", pass: v >= 10, detail: `${int(qc.stats.callsPerSec)} vs ${int(fan.stats.callsPerSec)} calls/s = ${v.toFixed(2)}×` });
  }
  const many = rows.find((r) => r.name === "ManyClientPeers");
  if (many !== undefined) {
    out.push({
      target: `reverse quorum call over ${int(many.nodes)} client peers: median ≤ 50 ms`,
      pass: many.stats.medianMs <= 50,
      detail:
        `median ${ms(many.stats.medianMs)} ms, p99 ${ms(many.stats.p99Ms)} ms (majority of ${int(many.nodes)}, one call at a time)` +
        ((f) => (f === undefined ? "" : `; the raw fan-out over ${int(many.nodes)} connections: ${ms(f.stats.medianMs)} ms`))(find(rows, "raw fan-out", 1, many.nodes)),
    });
    if (many.perClient !== undefined) {
      out.push({
        target: "≤ 64 KiB of server memory per idle client peer",
        pass: many.perClient.rss <= 64 * 1024 && many.perClient.heapUsed <= 64 * 1024,
        detail: `${(many.perClient.rss / 1024).toFixed(1)} KiB RSS, ${(many.perClient.heapUsed / 1024).toFixed(1)} KiB heap per client (server process, after GC)`,
      });
    }
  }
  return out;
}

/** Where this run's setup differs from the one the targets are stated for. */
export function setupDifferences(flags: Flags): string[] {
  const diffs: string[] = [];
  if (flags.configSize !== 4) {
    diffs.push(`--config-size ${flags.configSize} (targets: 4)`);
  }
  if (flags.quorumSize !== Math.floor(flags.configSize / 2) + 1) {
    diffs.push(`--quorum-size ${flags.quorumSize} (targets: majority)`);
  }
  if (flags.payload !== 16) {
    diffs.push(`--payload ${flags.payload} (targets: 16)`);
  }
  if (flags.concurrent !== 64) {
    diffs.push(`--concurrent ${flags.concurrent} (targets: 64)`);
  }
  if (flags.protocol !== "grpc") {
    diffs.push(`--protocol ${flags.protocol} (targets: grpc)`);
  }
  if (flags.remotes.length > 0) {
    diffs.push("--remotes (targets: local processes on loopback)");
  }
  return diffs;
}
