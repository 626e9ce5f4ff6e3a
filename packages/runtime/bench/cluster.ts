/**
 * The processes a benchmark run starts: each is this same script, forked
 * with a role (see roles.ts), reporting `ready` over IPC. They inherit the
 * node flags of the bench (so `node --cpu-prof` profiles them too) and leave
 * when the bench disconnects.
 */
import { type ChildProcess, fork } from "node:child_process";
import * as net from "node:net";
import type { Protocol } from "./flags.js";
import type { ChildMessage } from "./roles.js";

/** A process started by the bench. */
export class Child {
  private nextID = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Completions the child last reported (its progress). */
  completed = 0;
  private exited = false;

  private constructor(
    readonly process: ChildProcess,
    /** The address it serves on ("" for client peers). */
    readonly addr: string,
  ) {
    process.on("message", (m: ChildMessage) => {
      if (m.type === "progress") {
        this.completed = m.completed;
      } else if (m.type === "reply") {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.error !== undefined) {
          w?.reject(new Error(m.error));
        } else {
          w?.resolve(m.result);
        }
      }
    });
    process.on("exit", (code) => {
      this.exited = true;
      for (const w of this.waiting.values()) {
        w.reject(new Error(`process ${process.pid} exited with ${code}`));
      }
      this.waiting.clear();
    });
  }

  /** Forks this script with `args`; resolves once it reports ready. */
  static async start(script: string, args: string[]): Promise<Child> {
    const child = fork(script, args, {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      execArgv: withExposeGC(process.execArgv),
    });
    const addr = await new Promise<string>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bench process ${args.join(" ")} exited with ${code} before it was ready`));
      child.once("exit", onExit);
      child.on("message", (m: ChildMessage) => {
        if (m.type === "ready") {
          child.off("exit", onExit);
          resolve(m.addr);
        }
      });
    });
    return new Child(child, addr);
  }

  /** Sends a command and resolves with the child's reply. */
  request<T>(command: object): Promise<T> {
    if (this.exited) {
      return Promise.reject(new Error("process has exited"));
    }
    const id = this.nextID++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ type: "cmd", id, ...command });
    });
  }

  /** Ends the process: disconnect (it exits by itself), then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.exited) {
      return;
    }
    const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
    if (this.process.connected) {
      this.process.disconnect();
    }
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The node flags of this process plus --expose-gc (memory after a run is measured after a GC). */
function withExposeGC(execArgv: readonly string[]): string[] {
  return execArgv.includes("--expose-gc") ? [...execArgv] : [...execArgv, "--expose-gc"];
}

/** A set of started processes, stopped together. */
export class Cluster {
  constructor(readonly children: readonly Child[]) {}

  get addrs(): string[] {
    return this.children.map((c) => c.addr);
  }

  get pids(): number[] {
    return this.children.flatMap((c) => (c.process.pid === undefined ? [] : [c.process.pid]));
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.stop()));
  }
}

/** `n` benchmark servers, each in its own process, on 127.0.0.1 free ports. */
export async function startServers(script: string, n: number): Promise<Cluster> {
  const children = await Promise.all(Array.from({ length: n }, () => Child.start(script, ["--server", "127.0.0.1:0"])));
  return new Cluster(children);
}

/**
 * `n` replicas of a symmetric System, each in its own process, knowing one
 * another and dialing one another in `protocol`; ready once each is
 * connected to all.
 */
export async function startReplicas(script: string, n: number, protocol: Protocol): Promise<Cluster> {
  const ports = await freePorts(n);
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const children = await Promise.all(
    addrs.map((addr, i) => Child.start(script, ["--server", addr, "--peers", addrs.join(","), "--id", String(i + 1), "--protocol", protocol])),
  );
  return new Cluster(children);
}

/** One process of a given role on 127.0.0.1, port 0 (dialing, where it dials, in `protocol`). */
export async function startRole(script: string, role: string, protocol: Protocol = "grpc", extra: string[] = []): Promise<Child> {
  return Child.start(script, ["--role", role, "--server", "127.0.0.1:0", "--protocol", protocol, ...extra]);
}

/** `n` distinct free TCP ports on 127.0.0.1 (free when asked; the replicas bind them right after). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
