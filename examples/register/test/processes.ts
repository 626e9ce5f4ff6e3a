/**
 * The register's programs as real processes for the tests: replicas in a
 * ProcessSet of the shared fault harness (`node dist/main.js replica …`,
 * each with a state directory, so kill -9 and restart is safe), and client
 * processes (`node dist/main.js client …`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ProcessSet } from "@gorums/fault-harness";
import { CLIENT_READY_LINE } from "../src/client-main.js";
import { READY_LINE } from "../src/replica-main.js";

/** The built program (the test command builds the workspace before vitest). */
export const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** N replica processes (IDs 1..N), replica I keeping its value in `stateRoot/I`. */
export async function registerReplicas(n: number, stateRoot: string): Promise<ProcessSet> {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build the example first (pnpm --filter @gorums/example-register build)`);
  }
  return ProcessSet.create(n, {
    args: (id, addrs) => [MAIN, "replica", "--id", String(id), "--replicas", [...addrs].map(([i, a]) => `${i}=${a}`).join(","), "--state-dir", join(stateRoot, String(id))],
    readyLine: READY_LINE,
  });
}

/** A client process. */
export interface ClientProcess {
  /** Resolves once it printed "client P ready" (rejects if it exits first). */
  ready: Promise<void>;
  /** Resolves when it exits, with its exit code and output. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** kill -9 (for the test's cleanup). */
  kill(): void;
}

/** Starts `node dist/main.js client ARGS…`; the IPC channel makes it leave if the test process dies. */
export function startClient(args: readonly string[]): ClientProcess {
  const child = spawn(process.execPath, [MAIN, "client", ...args], { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => {
    stderr += d;
  });
  let onReady: () => void = () => {};
  const readyLine = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    stdout += `${line}\n`;
    if (CLIENT_READY_LINE.test(line)) {
      onReady();
    }
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  const ready = Promise.race([readyLine, done.then((d) => Promise.reject(new Error(`client exited before it was ready (code ${d.code}): ${d.stderr.trim()}`)))]);
  ready.catch(() => {
    // Reported to whoever awaits `ready`; a caller that only awaits `done` sees the exit there.
  });
  return {
    ready,
    done,
    kill: () => {
      child.kill("SIGKILL");
    },
  };
}
