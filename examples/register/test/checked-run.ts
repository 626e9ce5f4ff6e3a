/**
 * The end of a checked register run, common to the fault tests: wait for
 * the clients, kill the replicas, run Porcupine on the histories (keeping
 * the directory when they are not linearizable), and the assertions every
 * such run makes.
 */
import { join } from "node:path";
import { type CheckResult, failureReasons, formatCheck, type ProcessSet, runChecker } from "@gorums/fault-harness";
import { expect } from "vitest";
import type { CheckerDir } from "./checker-dir.js";
import type { ClientProcess } from "./processes.js";

/** What a run ended with. */
export interface CheckedRun {
  /** Each client's exit code and output. */
  results: Array<{ code: number | null; stdout: string; stderr: string }>;
  check: CheckResult;
  /** "checked N operations: linearizable" (or NOT, or no verdict), for the summary line. */
  verdict: string;
  /** The clients' reasons of failure, "\nwhy operations failed (per client):\n…", or "" without any. */
  failures: string;
}

/** Waits for the clients to exit, kills every replica (and checks none is left), and checks the histories. */
export async function endCheckedRun(clients: readonly ClientProcess[], set: ProcessSet, tmp: CheckerDir, histories: readonly string[], timeoutS: number): Promise<CheckedRun> {
  const results = await Promise.all(clients.map((c) => c.done));
  await set.killAll();
  expect(set.alivePids(), "replica processes left running").toEqual([]);
  const check = await runChecker(tmp.checker, histories, { htmlPath: join(tmp.dir, "violation.html"), timeoutS });
  if (check.linearizable !== true) {
    tmp.keep();
  }
  return { results, check, verdict: formatCheck(check), failures: failureReasons(results, "why operations failed (per client)") };
}

/** Every client exited 0, no replica exited by itself, and the histories are linearizable. */
export function expectCheckedRun(run: CheckedRun, set: ProcessSet, tmp: CheckerDir, summary: string): void {
  expect(run.results.map((r) => r.code), `${summary}\n${run.results.map((r) => r.stderr).join("\n")}`).toEqual(run.results.map(() => 0));
  expect(set.unexpectedExits, summary).toEqual([]);
  expect(run.check.linearizable, `${summary}\n${run.check.output}\nhistories and visualization kept in ${tmp.dir}`).toBe(true);
}
