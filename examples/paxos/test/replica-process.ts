/**
 * Paxos replicas as real processes for the fault test: each runs
 * `node dist/main.js replica --id I --replicas … --state-dir …` on a port
 * fixed for its whole life, so a restart after kill -9 comes back at the
 * same address with the same state directory. Every "decided" line of every
 * incarnation is collected, with the incarnation that printed it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DECIDED_LINE, READY_LINE } from "../src/replica-main.js";

/** The built program (the test command builds the workspace before vitest). */
export const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** One "decided" line. */
export interface Decision {
  replica: number;
  /** 1 for the first process of this replica, 2 after its first restart, … */
  incarnation: number;
  slot: number;
  /** The command id; "-" for a no-op. */
  id: string;
  ballot: string;
  /** performance.now() when the test read the line. */
  at: number;
}

/** What a replica process is doing, as far as the test made it. */
export type ReplicaState = "running" | "stopped" | "down" | "starting";

/** Options of a set of replica processes. */
export interface ReplicaSetOptions {
  /** Directory under which replica I keeps its state in `I/`. */
  stateRoot: string;
  /** Start every incarnation with --forget-state (unsafe: to show that the checks catch amnesia). */
  forgetState?: boolean;
}

/**
 * N replica processes (IDs 1..N) on 127.0.0.1 ports chosen at creation.
 * `start`, `kill`, `stop` and `cont` act on one replica with real signals;
 * `killAll` ends every process, stopped ones too. A process that exits
 * without the test killing it is recorded in `unexpectedExits`.
 */
export class ReplicaSet {
  /** Every decided line read so far, in the order read. */
  readonly decisions: Decision[] = [];
  /** Replicas that exited without being killed, with their stderr. */
  readonly unexpectedExits: string[] = [];
  private readonly procs = new Map<number, { child: ChildProcess; incarnation: number; closed: Promise<void>; killing: boolean; stderr: string }>();
  private readonly incarnations = new Map<number, number>();
  private readonly states = new Map<number, ReplicaState>();
  private readonly allPids: number[] = [];

  private constructor(
    /** Replica ID → "127.0.0.1:port". */
    readonly addrs: ReadonlyMap<number, string>,
    private readonly opts: ReplicaSetOptions,
  ) {
    for (const id of addrs.keys()) {
      this.states.set(id, "down");
    }
  }

  /** Picks N free ports (listen on port 0, note it, close) and makes the set; nothing runs yet. */
  static async create(n: number, opts: ReplicaSetOptions): Promise<ReplicaSet> {
    if (!existsSync(MAIN)) {
      throw new Error(`${MAIN} is missing: build the example first (pnpm --filter @gorums/example-paxos build)`);
    }
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
    const addrs = new Map<number, string>();
    for (const [i, s] of servers.entries()) {
      const a = s.address();
      addrs.set(i + 1, `127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}`);
    }
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    return new ReplicaSet(addrs, opts);
  }

  /** The replica IDs, 1..N. */
  get ids(): number[] {
    return [...this.addrs.keys()];
  }

  /** What replica `id` is doing. */
  state(id: number): ReplicaState {
    return this.states.get(id) ?? "down";
  }

  /** How many processes replica `id` has had. */
  incarnation(id: number): number {
    return this.incarnations.get(id) ?? 0;
  }

  /** Starts replica `id` (again), and resolves once it prints its ready line. */
  async start(id: number): Promise<void> {
    if (this.procs.has(id)) {
      throw new Error(`replica ${id} is already running`);
    }
    this.states.set(id, "starting");
    const incarnation = this.incarnation(id) + 1;
    this.incarnations.set(id, incarnation);
    const list = [...this.addrs].map(([i, a]) => `${i}=${a}`).join(",");
    const args = [MAIN, "replica", "--id", String(id), "--replicas", list, "--state-dir", join(this.opts.stateRoot, String(id))];
    if (this.opts.forgetState === true) {
      args.push("--forget-state");
    }
    // The IPC channel makes the replica leave if this test process dies.
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"] });
    if (child.pid !== undefined) {
      this.allPids.push(child.pid);
    }
    const proc = { child, incarnation, closed: Promise.resolve(), killing: false, stderr: "" };
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
      const d = DECIDED_LINE.exec(line);
      if (d !== null) {
        this.decisions.push({ replica: id, incarnation, slot: Number(d[1]), id: d[2] as string, ballot: `${d[3]}.${d[4]}`, at: performance.now() });
      } else if (READY_LINE.test(line)) {
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
          this.unexpectedExits.push(`replica ${id} (incarnation ${incarnation}) exited by itself (${signal ?? `code ${code}`}): ${proc.stderr.trim()}`);
        }
        resolve(`replica ${id} exited before it was ready (${signal ?? `code ${code}`}): ${proc.stderr.trim()}`);
      });
    });
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(`replica ${id} printed no ready line within 20 s`), 20_000).unref());
    const failed = await Promise.race([readyLine.then(() => undefined), exited, timeout]);
    if (failed !== undefined) {
      await this.kill(id);
      throw new Error(failed);
    }
    this.states.set(id, "running");
  }

  /** kill -9 of replica `id` (continuing it first if stopped); resolves once its output is read to the end. */
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

  /** SIGSTOP: the process keeps its sockets open and answers nothing. */
  stop(id: number): void {
    const proc = this.procs.get(id);
    if (proc !== undefined && proc.child.kill("SIGSTOP")) {
      this.states.set(id, "stopped");
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
