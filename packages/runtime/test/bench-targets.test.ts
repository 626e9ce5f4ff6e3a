/**
 * The bench's target checks (bench/report.ts, issue 6) on made-up rows, no
 * timing: the message-rate target is the quorum call's msg/s over the raw
 * echo's at the same window; a run whose raw echo was slower than the raw
 * fan-out to N servers (which never happens undisturbed) gets its verdict
 * marked suspect instead of trusted — a disturbed baseline must not turn a
 * FAIL into a PASS.
 */
import { describe, expect, it } from "vitest";
import type { Row } from "../bench/benchmarks.js";
import { parseFlags } from "../bench/flags.js";
import { checkTargets } from "../bench/report.js";

function row(name: string, kind: Row["kind"], transport: string, nodes: number, concurrency: number, callsPerSec: number, msgsPerCall = nodes): Row {
  return {
    name,
    kind,
    transport,
    nodes,
    concurrency,
    msgsPerCall,
    payloadBytesPerCall: 32,
    caller: "bench",
    memory: { heapUsed: 0, rss: 0 },
    stats: { calls: callsPerSec * 2, seconds: 2, callsPerSec, meanMs: 1, medianMs: 1, p99Ms: 2 },
  };
}

const flags = parseFlags([]);
const messageRate = (rows: Row[]) => checkTargets(rows, flags).find((t) => t.target.startsWith("quorum-call message rate"));

describe("bench target checks", () => {
  it("message rate: the quorum call's msg/s over the raw echo's, trusted when the raw fan-out ran below the raw echo", () => {
    const rows = [row("QuorumCall", "benchmark", "http2", 4, 64, 25_000), row("raw echo", "baseline", "raw node:http2", 1, 64, 400_000), row("raw fan-out", "baseline", "raw node:http2", 4, 64, 70_000)];
    const t = messageRate(rows)!;
    expect(t.pass).toBe(false); // 100,000 / 400,000 = 0.25
    expect(t.detail).toContain("0.25 × raw");
    expect(t.suspect).toBeUndefined();
  });

  it("a raw echo slower than the raw fan-out was disturbed: the verdict is suspect, even when it says PASS", () => {
    const rows = [row("QuorumCall", "benchmark", "http2", 4, 64, 11_000), row("raw echo", "baseline", "raw node:http2", 1, 64, 52_000), row("raw fan-out", "baseline", "raw node:http2", 4, 64, 16_000)];
    const t = messageRate(rows)!;
    expect(t.pass).toBe(true); // 44,000 / 52,000
    expect(t.suspect).toMatch(/disturbed/);
  });

  it("without a raw fan-out row there is nothing to judge the baseline by: no suspicion", () => {
    const rows = [row("QuorumCall", "benchmark", "http2", 4, 64, 11_000), row("raw echo", "baseline", "raw node:http2", 1, 64, 52_000)];
    expect(messageRate(rows)!.suspect).toBeUndefined();
  });
});
