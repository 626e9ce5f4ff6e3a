/**
 * Spawns TestService servers as child processes (server-process.mjs, plain
 * node on the built runtime in packages/runtime/dist) and talks to them over
 * stdin/stdout: their address, memory, stats, and misbehaviour on command.
 * Kill, stop and continue them with real signals.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./server-process.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Options of one server process. */
export interface ServerProcessOptions {
  /** Port to listen on (0: any free port). */
  port?: number;
  /** The node ID the server puts in its replies' num. */
  id?: number;
  /** ServerOptions.maxStreamsPerConnection. */
  maxStreams?: number;
  /** Run with --expose-gc, so "mem" measures after a collection. */
  exposeGC?: boolean;
}

/** A running server process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly addr: string;
  readonly port: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Sends a command line; resolves with the JSON object of its one-line answer. */
  command<T = Record<string, unknown>>(cmd: string, timeoutMs?: number): Promise<T>;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Resolves when the process has exited, with its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process (continuing it first if stopped) and waits for it to go. */
  kill(): Promise<void>;
}

/** Throws unless the runtime was built (the test command builds it before vitest). */
export function requireDist(): void {
  if (!existsSync(DIST)) {
    throw new Error(`${DIST} is missing: build the runtime first (npx tsc -p packages/runtime/tsconfig.build.json)`);
  }
}

/** Starts one server process and waits until it listens. */
export async function startServerProcess(opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  requireDist();
  const args = [...(opts.exposeGC === true ? ["--expose-gc"] : []), SCRIPT, "--port", String(opts.port ?? 0), "--id", String(opts.id ?? 1)];
  if (opts.maxStreams !== undefined) {
    args.push("--max-streams", String(opts.maxStreams));
  }
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let exitedNow = false;
  void exited.then(() => {
    exitedNow = true;
  });
  // Line-wise stdout: the first line is the address, later ones answer commands in order.
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<(line: Record<string, unknown>) => void> = [];
  let partial = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (d: string) => {
    partial += d;
    for (let nl = partial.indexOf("\n"); nl >= 0; nl = partial.indexOf("\n")) {
      const text = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      const w = waiters.shift();
      if (w !== undefined) {
        w(obj);
      } else {
        lines.push(obj);
      }
    }
  });
  const nextLine = (timeoutMs: number, what: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const ready = lines.shift();
      if (ready !== undefined) {
        resolve(ready);
        return;
      }
      const timer = setTimeout(() => reject(new Error(`server process: no answer to ${what} within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      const onExit = () => reject(new Error(`server process exited before answering ${what}; stderr: ${err}`));
      void exited.then(onExit);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  let first: Record<string, unknown>;
  try {
    first = await nextLine(15_000, "startup");
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  const addr = String(first.addr);
  const kill = async () => {
    if (!exitedNow) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
    await exited;
  };
  return {
    child,
    addr,
    port: Number(addr.slice(addr.lastIndexOf(":") + 1)),
    stderr: () => err,
    command: async <T>(cmd: string, timeoutMs = 10_000) => {
      child.stdin?.write(`${cmd}\n`);
      return (await nextLine(timeoutMs, cmd)) as T;
    },
    alive: () => !exitedNow && child.exitCode === null && child.signalCode === null,
    exited,
    kill,
  };
}

/** Starts `n` server processes with IDs 1..n. */
export async function startServerProcesses(n: number, opts: Omit<ServerProcessOptions, "id" | "port"> = {}): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startServerProcess({ ...opts, id: i + 1 })));
}

/** Kills every process (also stopped ones). */
export async function killAll(procs: readonly ServerProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.kill()));
}
