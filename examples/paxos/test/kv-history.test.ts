/**
 * A client's history lines, in faults/checker's kv format: an invocation
 * with the key (and a put's value), then "ok" with the result or "info"
 * when the command got no answer; times from CLOCK_MONOTONIC, in order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { testDir } from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { KvHistory } from "../src/kv-history.js";

describe("KvHistory", () => {
  it("records an answered put, an answered get and an unanswered put", async () => {
    const dir = testDir("kv-history-");
    const path = join(dir, "h.jsonl");
    const h = new KvHistory(3, path);
    expect(await h.record({ kind: "put", key: "x", value: h.nextId }, async (id) => (id === "p3-1" ? "" : "wrong id"))).toEqual({ type: "ok", id: "p3-1", result: "" });
    expect(await h.record({ kind: "get", key: "x" }, async () => "p3-1")).toMatchObject({ type: "ok", result: "p3-1" });
    const lost = await h.record({ kind: "put", key: "y", value: "v" }, () => Promise.reject(new Error("no answer")));
    expect(lost).toMatchObject({ type: "info", id: "p3-3" });
    const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map(({ time: _t, ...rest }) => rest)).toEqual([
      { type: "invoke", id: "p3-1", process: 3, f: "put", key: "x", value: "p3-1" },
      { type: "ok", id: "p3-1", process: 3, f: "put", value: "" },
      { type: "invoke", id: "p3-2", process: 3, f: "get", key: "x" },
      { type: "ok", id: "p3-2", process: 3, f: "get", value: "p3-1" },
      { type: "invoke", id: "p3-3", process: 3, f: "put", key: "y", value: "v" },
      { type: "info", id: "p3-3", process: 3, f: "put" },
    ]);
    const times = lines.map((l) => l.time as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
