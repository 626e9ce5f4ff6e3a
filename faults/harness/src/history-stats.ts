/**
 * Liveness figures of a run, from the JSON-lines histories that the
 * clients wrote for faults/checker: how many operations succeeded, and how
 * long the clients went without a success.
 */
import { readFileSync } from "node:fs";

/** The figures of one run. */
export interface LivenessFigures {
  /** Operations invoked. */
  operations: number;
  ok: number;
  failed: number;
  /** Timed out with an unknown outcome, or never completed. */
  unknown: number;
  /** ok / operations (1 for no operations). */
  successRate: number;
  /** The longest stretch, from the first invocation to the last completion, in which no client's operation succeeded (ms). */
  longestGapMs: number;
  /** The longest a single client went between two successes (or from its first invocation to one; ms). */
  longestClientGapMs: number;
  /** From the first invocation to the last completion (ms). */
  spanMs: number;
}

/** The fields of a history line that the figures use. */
export interface HistoryLine {
  /** "invoke", "ok", "fail" or "info". */
  type: string;
  /** The operation's id, common to its invocation and completion. */
  id: string;
  /** The client. */
  process: number;
  /** CLOCK_MONOTONIC nanoseconds. */
  time: number;
}

/** Every line of the JSON-lines histories, file after file. */
export function readHistoryLines(paths: readonly string[]): HistoryLine[] {
  return paths.flatMap((p) =>
    readFileSync(p, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as HistoryLine),
  );
}

/** Reads the histories and computes the figures. Times are CLOCK_MONOTONIC nanoseconds. */
export function livenessFigures(paths: readonly string[]): LivenessFigures {
  const lines = readHistoryLines(paths);
  const invokes = lines.filter((l) => l.type === "invoke");
  const ends = new Map(lines.filter((l) => l.type !== "invoke").map((l) => [l.id, l]));
  const ok = [...ends.values()].filter((l) => l.type === "ok");
  const failed = [...ends.values()].filter((l) => l.type === "fail").length;
  if (invokes.length === 0) {
    return { operations: 0, ok: 0, failed: 0, unknown: 0, successRate: 1, longestGapMs: 0, longestClientGapMs: 0, spanMs: 0 };
  }
  const start = Math.min(...invokes.map((l) => l.time));
  const end = Math.max(...lines.map((l) => l.time));
  const longestGap = (from: number, times: number[], to: number) => {
    let longest = 0;
    let last = from;
    for (const t of [...times.sort((a, b) => a - b), to]) {
      longest = Math.max(longest, t - last);
      last = Math.max(last, t);
    }
    return longest;
  };
  let longestClient = 0;
  for (const p of new Set(invokes.map((l) => l.process))) {
    const mine = invokes.filter((l) => l.process === p);
    const myEnd = Math.max(...mine.map((l) => ends.get(l.id)?.time ?? l.time));
    longestClient = Math.max(longestClient, longestGap(Math.min(...mine.map((l) => l.time)), ok.filter((l) => l.process === p).map((l) => l.time), myEnd));
  }
  return {
    operations: invokes.length,
    ok: ok.length,
    failed,
    unknown: invokes.length - ok.length - failed,
    successRate: ok.length / invokes.length,
    longestGapMs: longestGap(start, ok.map((l) => l.time), end) / 1e6,
    longestClientGapMs: longestClient / 1e6,
    spanMs: (end - start) / 1e6,
  };
}

/** One line of figures for a test's output. */
export function formatLiveness(f: LivenessFigures): string {
  return (
    `${f.operations} operations in ${(f.spanMs / 1000).toFixed(1)} s: ${f.ok} ok (${(100 * f.successRate).toFixed(1)}%), ${f.failed} failed, ${f.unknown} unknown; ` +
    `longest time with no success: ${Math.round(f.longestGapMs)} ms overall, ${Math.round(f.longestClientGapMs)} ms for one client`
  );
}
