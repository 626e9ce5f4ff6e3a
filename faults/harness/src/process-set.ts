/**
 * Replica processes for the fault tests: N processes (IDs 1..N), each on a
 * 127.0.0.1 port fixed for the whole set (or at an address given, such as a
 * test host's in its network namespace), so that a restart after kill -9
 * comes back at the same address. What a process runs
 * is the caller's (`args`); the set starts, kills, stops and continues
 * processes with real signals, follows their output line by line, and
 * records every process that exits without being killed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

/** What a process is doing, as far as the test made it. */
export type ProcessState = "running" | "stopped" | "down" | "starting";

/** How a set's processes are run. */
export interface ProcessSetOptions {
  /** The arguments after `node` for process `id` (its program first), given every process's address. */
  args(id: number, addrs: ReadonlyMap<number, string>): string[];
  /** The stdout line a process prints once it serves: `start` resolves when it appears. */
  readyLine: RegExp;
  /** Called with every stdout line of every incarnation, in the order read. */
  onLine?(id: number, incarnation: number, line: string): void;
  /**
   * A command that runs `node` for process `id`, such as `ip netns exec NS`
   * (NetHosts.exec): it must exec node in its place, so that the signals
   * reach node. Default: none, node is spawned itself.
   */
  wrap?(id: number): string[];
  /** What the processes are, for messages (default "replica"). */
  name?: string;
  /** How long `start` waits for the ready line (default 20,000 ms). */
  readyTimeoutMs?: number;
}

interface Proc {
  child: ChildProcess;
  incarnation: number;
  closed: Promise<void>;
  killing: boolean;
  stderr: string;
}

/** Listens on `n` ports chosen by the kernel, notes them, and closes them again. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    return typeof a === "object" && a !== null ? a.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * N processes on 127.0.0.1 ports chosen at creation (or at given addresses). `start`, `kill`, `stop`
 * and `cont` act on one process with real signals; `killAll` ends every
 * process, stopped ones too. A process that exits without the test killing
 * it is recorded in `unexpectedExits`.
 */
export class ProcessSet {
  /** Processes that exited without being killed, with their stderr. */
  readonly unexpectedExits: string[] = [];
  private readonly procs = new Map<number, Proc>();
  private readonly incarnations = new Map<number, number>();
  private readonly states = new Map<number, ProcessState>();
  private readonly allPids: number[] = [];
  private readonly name: string;

  private constructor(
    /** Process ID → "127.0.0.1:port". */
    readonly addrs: ReadonlyMap<number, string>,
    private readonly opts: ProcessSetOptions,
  ) {
    this.name = opts.name ?? "replica";
    for (const id of addrs.keys()) {
      this.states.set(id, "down");
    }
  }

  /** Picks N free ports and makes the set; nothing runs yet. */
  static async create(n: number, opts: ProcessSetOptions): Promise<ProcessSet> {
    const ports = await freePorts(n);
    return new ProcessSet(new Map(ports.map((p, i) => [i + 1, `127.0.0.1:${p}`])), opts);
  }

  /** The set at the addresses given (process ID → "host:port"), such as those of NetHosts; nothing runs yet. */
  static at(addrs: ReadonlyMap<number, string>, opts: ProcessSetOptions): ProcessSet {
    return new ProcessSet(new Map(addrs), opts);
  }

  /** The process IDs, 1..N. */
  get ids(): number[] {
    return [...this.addrs.keys()];
  }

  /** `1=127.0.0.1:P1,2=127.0.0.1:P2,…`, as the examples' `--replicas` take it. */
  get replicaList(): string {
    return [...this.addrs].map(([i, a]) => `${i}=${a}`).join(",");
  }

  /** What process `id` is doing. */
  state(id: number): ProcessState {
    return this.states.get(id) ?? "down";
  }

  /** How many processes `id` has had. */
  incarnation(id: number): number {
    return this.incarnations.get(id) ?? 0;
  }

  /** Starts process `id` (again), and resolves once it prints its ready line. */
  async start(id: number): Promise<void> {
    if (this.procs.has(id)) {
      throw new Error(`${this.name} ${id} is already running`);
    }
    this.states.set(id, "starting");
    const incarnation = this.incarnation(id) + 1;
    this.incarnations.set(id, incarnation);
    // The IPC channel makes the process leave if this test process dies.
    const argv = [...(this.opts.wrap?.(id) ?? []), process.execPath, ...this.opts.args(id, this.addrs)];
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe", "ipc"] });
    if (child.pid !== undefined) {
      this.allPids.push(child.pid);
    }
    const proc: Proc = { child, incarnation, closed: Promise.resolve(), killing: false, stderr: "" };
    proc.closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    this.procs.set(id, proc);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      proc.stderr += d;
    });
    let ready: (() => void) | undefined;
    const readyLine = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      this.opts.onLine?.(id, incarnation, line);
      if (this.opts.readyLine.test(line)) {
        ready?.();
      }
    });
    const exited = new Promise<string>((resolve) => {
      child.once("exit", (code, signal) => {
        if (this.procs.get(id) === proc) {
          this.procs.delete(id);
          this.states.set(id, "down");
        }
        if (!proc.killing) {
          this.unexpectedExits.push(`${this.name} ${id} (incarnation ${incarnation}) exited by itself (${signal ?? `code ${code}`}): ${proc.stderr.trim()}`);
        }
        resolve(`${this.name} ${id} exited before it was ready (${signal ?? `code ${code}`}): ${proc.stderr.trim()}`);
      });
    });
    const readyMs = this.opts.readyTimeoutMs ?? 20_000;
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(`${this.name} ${id} printed no ready line within ${readyMs} ms`), readyMs).unref());
    const failed = await Promise.race([readyLine.then(() => undefined), exited, timeout]);
    if (failed !== undefined) {
      await this.kill(id);
      throw new Error(failed);
    }
    this.states.set(id, "running");
  }

  /** kill -9 of process `id` (continuing it first if stopped); resolves once its output is read to the end. */
  async kill(id: number): Promise<void> {
    const proc = this.procs.get(id);
    if (proc === undefined) {
      return;
    }
    proc.killing = true;
    proc.child.kill("SIGKILL");
    proc.child.kill("SIGCONT");
    await proc.closed;
  }

  /**
   * SIGSTOP: the process keeps its sockets open and answers nothing.
   * Resolves once the kernel reports it stopped (state T in /proc), so that
   * nothing sent afterwards is handled before `cont`.
   */
  async stop(id: number): Promise<void> {
    const proc = this.procs.get(id);
    if (proc === undefined || !proc.child.kill("SIGSTOP")) {
      return;
    }
    this.states.set(id, "stopped");
    const pid = proc.child.pid;
    for (let i = 0; i < 1000 && pid !== undefined && processState(pid) === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** SIGCONT after `stop`. */
  cont(id: number): void {
    const proc = this.procs.get(id);
    if (proc !== undefined && proc.child.kill("SIGCONT")) {
      this.states.set(id, "running");
    }
  }

  /** Ends every process (stopped ones too) and waits until each has exited and its output is read. */
  async killAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.kill(id)));
  }

  /** The processes still running: none once `killAll` resolved. */
  get running(): number {
    return this.procs.size;
  }

  /** Every process this set ever started that still exists (signal 0 finds it): none after `killAll`. */
  alivePids(): number[] {
    return this.allPids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  }
}

/** "stopped" once /proc/PID/stat says T (stopped) or t, "gone" if it cannot be read, else "running". */
function processState(pid: number): "running" | "stopped" | "gone" {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "gone";
  }
  // pid (comm) S …: the state follows the last ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "T" || state === "t" ? "stopped" : "running";
}
