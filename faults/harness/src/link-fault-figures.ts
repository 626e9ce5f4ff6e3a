/**
 * Liveness figures of a link-fault run (link-fault-schedule.ts), from the
 * clients' JSON-lines histories and the windows in which each fault was in
 * place: per kind of fault, how the operations of a client went while one
 * of its own links had that fault (ok, failed, unknown; latency
 * percentiles of the successful ones), beside the operations that ran with
 * all of the client's links clean; and by how many of the client's links
 * were faulty at once during the operation (a quorum masks faults on a
 * minority of its links).
 */
import { readHistoryLines } from "./history-stats.js";
import type { LinkFaultKind, LinkFaultWindow } from "./link-fault-schedule.js";

/** Operations of one kind of condition, and how long the successful ones took. */
export interface OperationFigures {
  operations: number;
  ok: number;
  failed: number;
  /** Timed out with an unknown outcome, or never completed. */
  unknown: number;
  /** Latency of the successful operations, invocation to completion (ms); undefined without any. */
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  maxMs: number | undefined;
}

/** The figures of a link-fault run. */
export interface LinkFaultFigures {
  /** Operations that overlapped a fault of this kind on one of their client's links (one operation may count for two kinds). */
  byKind: Record<LinkFaultKind, OperationFigures & { faults: number }>;
  /** Operations during which every link of their client was clean. */
  clean: OperationFigures;
  /** Index k: operations during which at most k links of their client, and at one moment k, were faulty at once. */
  byFaultyLinks: OperationFigures[];
}

/** The p-th percentile (nearest rank) of sorted values. */
function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function figuresOf(ops: ReadonlyArray<{ outcome: string; ms: number | undefined }>): OperationFigures {
  const ok = ops.filter((o) => o.outcome === "ok");
  const sorted = ok.map((o) => o.ms as number).sort((a, b) => a - b);
  const failed = ops.filter((o) => o.outcome === "fail").length;
  return {
    operations: ops.length,
    ok: ok.length,
    failed,
    unknown: ops.length - ok.length - failed,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted.at(-1),
  };
}

/**
 * Computes the figures; `groups` maps a link group (LinkFault.link.group)
 * to the process number of the client whose links it holds (groups of no
 * client, such as the replicas' own links, count for no operation).
 */
export function linkFaultFigures(paths: readonly string[], windows: readonly LinkFaultWindow[], groups: ReadonlyMap<string, number>): LinkFaultFigures {
  const lines = readHistoryLines(paths);
  const ends = new Map(lines.filter((l) => l.type !== "invoke").map((l) => [l.id, l]));
  const lastTime = Math.max(0, ...lines.map((l) => l.time));
  const kinds: LinkFaultKind[] = ["latency", "reset", "stall"];
  const during = new Map<LinkFaultKind, Array<{ outcome: string; ms: number | undefined }>>(kinds.map((k) => [k, []]));
  const clean: Array<{ outcome: string; ms: number | undefined }> = [];
  const byFaulty: Array<Array<{ outcome: string; ms: number | undefined }>> = [];
  for (const inv of lines.filter((l) => l.type === "invoke")) {
    const end = ends.get(inv.id);
    const endTime = end?.time ?? lastTime;
    const op = { outcome: end?.type ?? "info", ms: end === undefined ? undefined : (end.time - inv.time) / 1e6 };
    const overlapping = windows.filter((w) => groups.get(w.fault.link.group) === inv.process && w.startNs < endTime && inv.time < w.endNs);
    if (overlapping.length === 0) {
      clean.push(op);
    }
    // The most faults at once within the operation: at its start, or when one of them started.
    const at = [inv.time, ...overlapping.map((w) => w.startNs).filter((t) => t > inv.time)];
    const most = Math.max(...at.map((t) => overlapping.filter((w) => w.startNs <= t && t < w.endNs).length));
    (byFaulty[most] ??= []).push(op);
    for (const k of new Set(overlapping.map((w) => w.fault.kind))) {
      during.get(k)?.push(op);
    }
  }
  const byKind = Object.fromEntries(
    kinds.map((k) => [k, { ...figuresOf(during.get(k) ?? []), faults: windows.filter((w) => w.fault.kind === k).length }]),
  ) as LinkFaultFigures["byKind"];
  return { byKind, clean: figuresOf(clean), byFaultyLinks: Array.from(byFaulty, (ops) => figuresOf(ops ?? [])) };
}

/** A few lines for a test's output. */
export function formatLinkFaultFigures(f: LinkFaultFigures): string {
  const ms = (v: number | undefined) => (v === undefined ? "-" : `${Math.round(v)}`);
  const line = (name: string, o: OperationFigures) =>
    `  ${name}: ${o.operations} operations, ${o.ok} ok, ${o.failed} failed, ${o.unknown} unknown; latency p50 ${ms(o.p50Ms)} ms, p95 ${ms(o.p95Ms)} ms, max ${ms(o.maxMs)} ms`;
  return [
    line("all links of the client clean", f.clean),
    ...(["latency", "reset", "stall"] as const).map((k) => line(`during ${f.byKind[k].faults} ${k} fault(s) on a link of the client`, f.byKind[k])),
    ...f.byFaultyLinks.map((o, k) => line(`${k} of the client's links faulty at once`, o)).slice(1),
  ].join("\n");
}
