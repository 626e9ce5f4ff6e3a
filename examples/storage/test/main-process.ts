/**
 * The storage program (dist/main.js) as child processes for the tests: a
 * run with all its input piped at once (`runMain`), a REPL session driven
 * line by line that waits for what it prints (`ReplSession`), single
 * replicas of the `server` subcommand (`startReplica`), and ways to find the
 * processes a run left (`processesWith`). A session and a replica end
 * themselves when the test that started them ends (onTestFinished: start
 * them inside a test or its beforeEach).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";

/** The built program (the test command builds the workspace before vitest). */
export const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** Runs main.js with `args`, writes `input` to its stdin and closes it; resolves with its output and exit code. */
export function runMain(args: string[], input: string, timeoutMs = 45_000): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`main.js did not exit within ${timeoutMs} ms; output so far:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.end(input);
  });
}

/**
 * Output of a child process that a test waits on: `waitFor` resolves with
 * the first line after `from` (a line index) that matches, as soon as it is
 * printed, and fails after `timeoutMs` with the output so far.
 */
class Transcript {
  readonly lines: string[] = [];
  private partial = "";
  private waiters = new Set<() => void>();

  constructor(
    readonly child: ChildProcess,
    private readonly what: string,
  ) {
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (d: string) => {
      const parts = (this.partial + d).split("\n");
      this.partial = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const wake of this.waiters) {
        wake();
      }
    });
    child.once("exit", () => {
      for (const wake of this.waiters) {
        wake();
      }
    });
  }

  /** All output so far. */
  get text(): string {
    return [...this.lines, this.partial].join("\n");
  }

  async waitFor(pattern: RegExp, { from = 0, timeoutMs = 20_000 } = {}): Promise<{ line: string; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((l, i) => i >= from && pattern.test(l));
      if (index >= 0) {
        return { line: this.lines[index] as string, index };
      }
      const exited = this.child.exitCode !== null || this.child.signalCode !== null;
      const left = deadline - Date.now();
      if (exited || left <= 0) {
        throw new Error(`${this.what}: no line matching ${pattern} ${exited ? "before it exited" : `within ${timeoutMs} ms`}; output:\n${this.text}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }
}

/** The REPL in a child process, fed one command at a time through its stdin. */
export class ReplSession {
  readonly out: Transcript;
  private readonly child: ChildProcess;

  private constructor(args: string[]) {
    this.child = spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.out = new Transcript(this.child, "the REPL");
  }

  /** Starts main.js with `args` and resolves once it reads commands; it is closed when the test ends. */
  static async start(args: string[], timeoutMs = 30_000): Promise<ReplSession> {
    const session = new ReplSession(args);
    // close() waits up to 20 s before its SIGKILL: more than the default hook timeout.
    onTestFinished(async () => {
      await session.close();
    }, 30_000);
    await session.out.waitFor(/^Reading commands from standard input/, { timeoutMs });
    return session;
  }

  /** Sends a command; resolves with the index of its echo ("> command"), from which its output follows. */
  async run(command: string): Promise<number> {
    const from = this.out.lines.length;
    this.child.stdin?.write(`${command}\n`);
    return (await this.out.waitFor(new RegExp(`^> ${escapeRegExp(command)}$`), { from })).index;
  }

  /** Ends the input (the REPL leaves, and stops local replicas) and resolves with the exit code. */
  async close(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return this.child.exitCode;
    }
    const exited = new Promise<number | null>((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 20_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One replica (`main.js server`) on its own, in a child process. */
export interface ReplicaProcess {
  /** The address it listens on. */
  readonly addr: string;
  /** kill -9; resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Starts `main.js server --id <id> --addr <addr>` without peers (port 0 picks
 * a free one) and resolves once it is ready; it is killed when the test
 * ends. The IPC channel makes it leave if the test process dies.
 */
export async function startReplica(id: number, addr = "127.0.0.1:0"): Promise<ReplicaProcess> {
  const child = spawn(process.execPath, [MAIN, "server", "--id", String(id), "--addr", addr], { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const out = new Transcript(child, `replica ${id}`);
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
  };
  onTestFinished(kill);
  try {
    const { line } = await out.waitFor(/^replica \d+ ready on /);
    return { addr: line.split(" ")[4] as string, kill };
  } catch (err) {
    await kill();
    throw err;
  }
}

/** The IDs of running processes whose command line contains `needle` (Linux /proc). */
export function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").includes(needle)) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** The addresses of the local replicas a run started. */
export function replicaAddrs(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}replica \d ready on (\S+)$/gm)].map((m) => m[1] as string);
}

/** Whether a process is running. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `s` as a literal inside a RegExp. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
