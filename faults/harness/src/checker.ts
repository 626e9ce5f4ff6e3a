/**
 * The linearizability checker of faults/checker (Go, Porcupine) for the
 * fault tests: built once into a directory of the test's, then run on the
 * JSON-lines histories the clients wrote.
 */
import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checker's Go module (faults/checker), beside this package. */
export const CHECKER_DIR = fileURLToPath(new URL("../../checker/", import.meta.url));

/** What a check found. */
export interface CheckResult {
  /** true: linearizable (exit 0); false: not (exit 1); undefined: bad input or the check timed out (exit 2). */
  linearizable: boolean | undefined;
  exitCode: number;
  /** The checker's stdout and stderr. */
  output: string;
  /** "N operations (…)", the checker's count line, if it printed one. */
  operations: number | undefined;
}

/** Whether `go` is on PATH. */
export function haveGo(): boolean {
  return spawnSync("go", ["version"]).status === 0;
}

/** Builds the checker into `dir` (go caches, so a second build is quick); resolves with the binary's path. */
export function buildChecker(dir: string): Promise<string> {
  const bin = join(dir, "checker");
  return new Promise((resolve, reject) => {
    execFile("go", ["build", "-o", bin, "."], { cwd: CHECKER_DIR }, (err, _stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`go build of ${CHECKER_DIR} failed: ${stderr.trim() || err.message}`));
      } else {
        resolve(bin);
      }
    });
  });
}

/** The checker's models: a read/write register (read, write), or a key-value store (put, get) checked key by key. */
export type CheckerModel = "register" | "kv";

/**
 * Runs the checker on the histories against `model` (default "register");
 * with `htmlPath`, a non-linearizable history's visualization goes there.
 */
export function runChecker(bin: string, histories: readonly string[], opts: { htmlPath?: string; timeoutS?: number; model?: CheckerModel } = {}): Promise<CheckResult> {
  const args = ["-model", opts.model ?? "register", ...(opts.htmlPath !== undefined ? ["-html", opts.htmlPath] : []), "-timeout", `${opts.timeoutS ?? 60}s`, ...histories];
  return new Promise((resolve) => {
    execFile(bin, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const exitCode = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      const output = `${stdout}${stderr}`.trim();
      const ops = /checker: (\d+) operations/.exec(output);
      resolve({
        linearizable: exitCode === 0 ? true : exitCode === 1 ? false : undefined,
        exitCode,
        output,
        operations: ops === null ? undefined : Number(ops[1]),
      });
    });
  });
}
