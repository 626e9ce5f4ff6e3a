/**
 * The figures of a link-fault run from a made-up history: which operations
 * count as during a fault of their own client's links (overlap, not
 * containment; another client's faults do not count), how many faults
 * were on at once during each, and the latency percentiles.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { linkFaultFigures } from "../src/link-fault-figures.js";
import type { LinkFault, LinkFaultKind, LinkFaultWindow } from "../src/link-fault-schedule.js";

const MS = 1e6;
const dir = mkdtempSync(join(tmpdir(), "link-fault-figures-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One operation of `process` from `from` to `to` ms, ending as `end` (none: never completed). */
function op(id: string, process: number, from: number, to: number, end?: "ok" | "fail" | "info") {
  const lines = [{ type: "invoke", id, process, f: "read", time: from * MS }];
  return end === undefined ? lines : [...lines, { type: end, id, process, f: "read", time: to * MS }];
}

function window(kind: LinkFaultKind, group: string, from: number, to: number): LinkFaultWindow {
  const fault: LinkFault = { at: from, forMs: to - from, kind, link: { proxy: `${group}-x`, group }, toxics: [], description: kind };
  return { fault, startNs: from * MS, endNs: to * MS };
}

describe("linkFaultFigures", () => {
  it("counts an operation for the faults on its client's links that overlap it, with the most at once", () => {
    const history = join(dir, "h.jsonl");
    const lines = [
      ...op("a", 1, 0, 10, "ok"), // clean
      ...op("b", 1, 20, 40, "ok"), // overlaps the latency fault (30–100) only
      ...op("c", 1, 50, 90, "ok"), // latency, and the stall from 60: two at once
      ...op("d", 1, 95, 300, "fail"), // latency (to 100) and stall (to 200), two at once at its start
      ...op("e", 2, 50, 52, "ok"), // client 2: its links are clean
      ...op("f", 1, 400, 401), // never completed: clean, unknown
    ];
    writeFileSync(history, lines.map((l) => JSON.stringify(l)).join("\n"));
    const windows = [window("latency", "c1", 30, 100), window("stall", "c1", 60, 200), window("reset", "replicas", 0, 500)];
    const f = linkFaultFigures([history], windows, new Map([["c1", 1], ["c2", 2]]));

    expect(f.clean).toMatchObject({ operations: 3, ok: 2, failed: 0, unknown: 1, p50Ms: 2, maxMs: 10 });
    expect(f.byKind.latency).toMatchObject({ faults: 1, operations: 3, ok: 2, failed: 1, p50Ms: 20, p95Ms: 40, maxMs: 40 });
    expect(f.byKind.stall).toMatchObject({ faults: 1, operations: 2, ok: 1, failed: 1, p50Ms: 40 });
    // The replicas' links belong to no client: the reset counts no operation.
    expect(f.byKind.reset).toMatchObject({ faults: 1, operations: 0, p50Ms: undefined });
    expect(f.byFaultyLinks.map((o) => o.operations)).toEqual([3, 1, 2]);
  });
});
