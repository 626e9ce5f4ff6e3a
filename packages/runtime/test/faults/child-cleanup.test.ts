/**
 * The child-process fixture (helpers/child-process.ts) kills what a test
 * started when that test ends, whether it passed or failed, so no server
 * process outlives its test. The tests run in order: the first two start
 * a server process each (one passes, one fails on purpose), the last one
 * checks that both processes are gone.
 */
import { describe, expect, it } from "vitest";
import { startChildServer } from "../helpers/child-server.js";

/** Whether a process with this ID exists (signal 0 checks without sending). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("server processes started by a test are gone when it ends", () => {
  const pids: number[] = [];

  it("a passing test", async () => {
    const proc = await startChildServer();
    pids.push(proc.child.pid ?? 0);
    expect(running(proc.child.pid ?? 0)).toBe(true);
  });

  it.fails("a failing test", async () => {
    const proc = await startChildServer();
    pids.push(proc.child.pid ?? 0);
    throw new Error("fails on purpose, with its server process running");
  });

  it("both processes were killed", () => {
    expect(pids).toHaveLength(2);
    expect(pids.filter(running)).toEqual([]);
  });
});
