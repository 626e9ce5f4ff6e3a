/**
 * Client processes of the fault tests: a program run once (such as
 * `node dist/main.js client …`, possibly through `ip netns exec`), followed
 * until it prints its ready line and until it exits, with its output.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { ProcessSet } from "./process-set.js";

/** A client process. */
export interface ClientProcess {
  /** Resolves once it printed its ready line (rejects if it exits first). */
  ready: Promise<void>;
  /** Resolves when it exits, with its exit code and output. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** kill -9 (for the test's cleanup). */
  kill(): void;
}

/**
 * Starts `argv` (its program first: `ip netns exec NS node …`, or
 * `process.execPath …`) with an IPC channel, which makes a node program
 * leave if the test process dies. `ready` resolves on the first stdout line
 * that matches `readyLine`.
 */
export function startClientProcess(argv: readonly string[], readyLine: RegExp): ClientProcess {
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => {
    stderr += d;
  });
  let onReady: () => void = () => {};
  const readyPrinted = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    stdout += `${line}\n`;
    if (readyLine.test(line)) {
      onReady();
    }
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  const ready = Promise.race([readyPrinted, done.then((d) => Promise.reject(new Error(`client exited before it was ready (code ${d.code}): ${d.stderr.trim()}`)))]);
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

/** kill -9 of the clients, then of every replica of `replicas`; resolves once all have exited (a test's cleanup). */
export async function endProcesses(clients: readonly ClientProcess[], replicas: ProcessSet | undefined): Promise<void> {
  for (const c of clients) {
    c.kill();
  }
  await Promise.all(clients.map((c) => c.done));
  await replicas?.killAll();
}
