/**
 * The temporary directory of a checked test, with the checker
 * (faults/checker), and Toxiproxy when asked, built into it before the
 * tests and the directory removed
 * after them, unless a failed check asked to keep it (for its histories
 * and visualization).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildChecker, buildToxiproxy } from "@gorums/fault-harness";
import { afterAll, beforeAll } from "vitest";

/** What `useCheckerDir` gives the tests once `beforeAll` ran. */
export interface CheckerDir {
  /** The directory (mkdtemp). */
  readonly dir: string;
  /** The checker binary in it. */
  readonly checker: string;
  /** Toxiproxy's server binary in it ("" unless asked for). */
  readonly toxiproxy: string;
  /** Keep the directory after the tests. */
  keep(): void;
}

/** Registers the beforeAll that makes the directory and builds the checker (and Toxiproxy), and the afterAll that removes it. */
export function useCheckerDir(prefix: string, opts: { toxiproxy?: boolean } = {}): CheckerDir {
  let kept = false;
  const state = { dir: "", checker: "", toxiproxy: "", keep: () => (kept = true) } as { dir: string; checker: string; toxiproxy: string; keep(): void };
  beforeAll(async () => {
    state.dir = mkdtempSync(join(tmpdir(), prefix));
    [state.checker, state.toxiproxy] = await Promise.all([buildChecker(state.dir), opts.toxiproxy === true ? buildToxiproxy(state.dir) : ""]);
  }, 180_000);
  afterAll(() => {
    if (!kept && state.dir !== "") {
      rmSync(state.dir, { recursive: true, force: true });
    }
  });
  return state;
}
