/**
 * One way to run TypeScript Gorums code in a child process for a test: a
 * plain-node script on the built runtime (packages/runtime/dist) and the
 * generated test service as JavaScript (test/gen-js, from the same proto
 * and generators as test/gen). No TypeScript loader is involved, so a child
 * starts in a fraction of a second. The child is killed when the test that
 * started it ends, also when it fails (vitest's onTestFinished, through
 * `cleanup`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cleanup } from "./test-servers.js";

const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How to start a child process. */
export interface ChildOptions {
  /** Options for node itself, before the script (such as --expose-gc). */
  nodeArgs?: readonly string[];
  /**
   * "pipe" (the default) lets the test write to the child's stdin, and the
   * child see the test process go; "ignore" leaves the child nothing to wait
   * on but its own work.
   */
  stdin?: "pipe" | "ignore";
}

/** A running child process and what it printed. */
export interface NodeChild {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** The next line on stdout not yet taken (waits up to `timeoutMs` for it; fails if the process exits first). */
  nextLine(timeoutMs: number, what: string): Promise<string>;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** SIGKILLs the process (continuing it first if stopped) and waits for it to go. */
  kill(): Promise<void>;
}

/** Throws unless the runtime was built (the test command builds it before vitest). */
export function requireDist(): void {
  if (!existsSync(DIST)) {
    throw new Error(`${DIST} is missing: build the runtime first (npx tsc -p packages/runtime/tsconfig.build.json)`);
  }
}

/**
 * Starts `node [nodeArgs] script args…`; the process is killed when the
 * current test ends (call it inside a test).
 */
export function startNodeChild(script: string, args: readonly string[] = [], opts: ChildOptions = {}): NodeChild {
  requireDist();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], { stdio: [opts.stdin ?? "pipe", "pipe", "pipe"] });
  child.stdin?.on("error", () => {}); // the pipe of a process that is gone
  let out = "";
  let err = "";
  let exitedNow = false;
  const exited = new Promise<ChildExit>((resolve) => {
    const end = (exit: ChildExit) => {
      exitedNow = true;
      resolve(exit);
    };
    child.once("exit", (code, signal) => end({ code, signal }));
    child.once("error", (e) => {
      err += `${e.message}\n`;
      end({ code: null, signal: null });
    });
  });
  const lines: string[] = [];
  const lineWaiters: Array<() => void> = [];
  let partial = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    const parts = (partial + d).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    for (const wake of lineWaiters.splice(0)) {
      wake();
    }
  });
  const nextLine = async (timeoutMs: number, what: string): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) {
        return line;
      }
      if (exitedNow) {
        throw new Error(`child process exited before ${what}; stderr: ${err}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`child process: no ${what} within ${timeoutMs} ms; stderr: ${err}`);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => lineWaiters.push(resolve)),
        exited,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
  };
  const kill = async () => {
    if (!exitedNow) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
    await exited;
  };
  cleanup(kill);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    nextLine,
    alive: () => !exitedNow,
    exited,
    kill,
  };
}
