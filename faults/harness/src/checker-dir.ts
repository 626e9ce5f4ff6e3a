/**
 * The temporary directory of a checked test, with the checker
 * (faults/checker), and Toxiproxy when asked, built into it before the tests and the directory removed
 * after them, unless a failed check asked to keep it (for its histories
 * and visualization).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { buildChecker, haveGo } from "./checker.js";
import { buildToxiproxy } from "./toxiproxy.js";

/**
 * Whether a checked test named `what` must be skipped: `go` (for the
 * checker) is missing, outside CI (in CI the test runs, and fails, without
 * go). Prints a loud message when go is missing.
 */
export function skipWithoutGo(what: string): boolean {
  if (haveGo()) {
    return false;
  }
  console.error(`\n*** ${what}: \`go\` is not on PATH: the linearizability check (faults/checker) cannot run; skipped ***\n`);
  return process.env.CI !== "true";
}

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

/**
 * Registers the beforeAll that makes the directory and builds the checker
 * (and Toxiproxy, with `toxiproxy: true`), and the afterAll that removes it.
 * With `build: false` (go is missing, and the test runs without its check)
 * the directory is made but nothing is built, and `checker` is "".
 */
export function useCheckerDir(prefix: string, opts: { build?: boolean; toxiproxy?: boolean } = {}): CheckerDir {
  let kept = false;
  const state = { dir: "", checker: "", toxiproxy: "", keep: () => (kept = true) } as { dir: string; checker: string; toxiproxy: string; keep(): void };
  beforeAll(async () => {
    state.dir = mkdtempSync(join(tmpdir(), prefix));
    if (opts.build !== false) {
      [state.checker, state.toxiproxy] = await Promise.all([buildChecker(state.dir), opts.toxiproxy === true ? buildToxiproxy(state.dir) : ""]);
    }
  }, 180_000);
  afterAll(() => {
    if (!kept && state.dir !== "") {
      rmSync(state.dir, { recursive: true, force: true });
    }
  });
  return state;
}
