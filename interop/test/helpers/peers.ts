/**
 * Interop peers as real processes: the Go peer (interop/go, built by
 * `pnpm build` into interop/go/bin) or the TypeScript one (dist/peer-main.js),
 * driven through the JSON-lines protocol of src/protocol.ts. A peer started
 * inside a test (or its beforeEach) is stopped when that test ends
 * (onTestFinished); a peer started in beforeAll is stopped by the suite's
 * `afterAll(stopAllPeers)`. A cluster's later peers (a restarted replica)
 * keep the lifetime of the cluster (`currentLifetime()` at its start).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { onTestFinished, TestRunner } from "vitest";
import type { Command, PeerEvent, Result } from "../../src/protocol.js";

/**
 * Which implementation a peer runs: "go" the Go peer on grpc-go
 * (interop/go, the current wire), "go-release" the peer built on the Go
 * Gorums v0.11.0 release itself (interop/go-release, its wire; server and
 * client modes only), "ts" ours.
 */
export type Lang = "go" | "ts" | "go-release";

export const GO_PEER = fileURLToPath(new URL("../../go/bin/gorums-go-peer", import.meta.url));
export const GO_RELEASE_PEER = fileURLToPath(new URL("../../go-release/bin/gorums-release-peer", import.meta.url));
const TS_PEER = fileURLToPath(new URL("../../dist/peer-main.js", import.meta.url));

/**
 * Whether the Go peer is built. Where it is not (no `go` on PATH), the
 * interop suites are skipped with a loud message — except on CI (CI=true),
 * where `goMissing()` makes them fail.
 */
export const goPeerBuilt = existsSync(GO_PEER);

/** Whether the peer on the Go Gorums v0.11.0 release is built (with the Go peer, by `pnpm build`). */
export const goReleasePeerBuilt = existsSync(GO_RELEASE_PEER);

/** The error to fail with on CI when the Go peer is missing, else undefined (and a loud warning). */
export function goMissing(): Error | undefined {
  if (goPeerBuilt) {
    return undefined;
  }
  const msg = `interop: the Go peer ${GO_PEER} is not built (is \`go\` on PATH?): the Go interop tests cannot run`;
  if (process.env.CI === "true") {
    return new Error(msg);
  }
  console.warn(`\n*** ${msg}; SKIPPING them ***\n`);
  return undefined;
}

/**
 * How long a peer lives: "test" until the running test ends (its stop
 * registered with onTestFinished), "suite" until `stopAllPeers` (the
 * suite's afterAll).
 */
export type PeerLifetime = "test" | "suite";

/** "test" inside a test or its beforeEach, else "suite" (beforeAll, a describe body). */
export function currentLifetime(): PeerLifetime {
  return TestRunner.getCurrentTest() !== undefined ? "test" : "suite";
}

/** A running peer process. */
export class Peer {
  readonly events: PeerEvent[] = [];
  stderr = "";
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (r: Result) => void>();
  private eventWaiters: Array<() => void> = [];
  private nextID = 1;
  private buffered = "";
  readonly exited: Promise<number | null>;

  /** Starts the peer; `lifetime` (default: `currentLifetime()`) says when it is stopped. */
  constructor(
    readonly lang: Lang,
    readonly args: readonly string[],
    lifetime: PeerLifetime = currentLifetime(),
  ) {
    const [cmd, argv] = lang === "go" ? [GO_PEER, args] : lang === "go-release" ? [GO_RELEASE_PEER, args] : [process.execPath, [TS_PEER, ...args]];
    this.child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout?.on("data", (d: Buffer) => this.onData(d.toString()));
    this.child.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child.stdin?.on("error", () => {}); // a killed peer's pipe
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    void this.exited.then(() => this.wakeEvents());
    if (lifetime === "test") {
      onTestFinished(() => this.stop());
    } else {
      live.add(this);
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The address from the "listening" event (waits for it). */
  async listening(timeoutMs = 15_000): Promise<string> {
    const e = await this.waitEvent((ev) => ev.event === "listening", "listening", timeoutMs);
    return (e as { addr: string }).addr;
  }

  /** The node IDs of the newest config (or clients) event. */
  latestIDs(event: "config" | "clients"): number[] {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i] as PeerEvent;
      if (e.event === event) {
        return e.ids;
      }
    }
    return [];
  }

  /** Waits until the newest config (or clients) event has exactly `ids`. */
  async waitIDs(event: "config" | "clients", ids: readonly number[], timeoutMs = 15_000): Promise<void> {
    const want = [...ids].sort((a, b) => a - b).join(",");
    await this.until(() => this.latestIDs(event).join(",") === want, `${this.lang} peer ${event} ${want} (last: ${this.latestIDs(event).join(",")})`, timeoutMs);
  }

  /** Waits for an event that matches. */
  async waitEvent(match: (e: PeerEvent) => boolean, what: string, timeoutMs = 15_000): Promise<PeerEvent> {
    await this.until(() => this.events.some(match), what, timeoutMs);
    return this.events.find(match) as PeerEvent;
  }

  /** Sends a command and waits for its result. */
  run(cmd: Omit<Command, "id">, timeoutMs = 20_000): Promise<Result> {
    const id = this.nextID++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.lang} peer: no result for ${JSON.stringify(cmd)} within ${timeoutMs} ms\nstderr:\n${this.stderr}`)), timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.child.stdin?.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  }

  /** Sends a command that must succeed; returns its result. */
  async ok(cmd: Omit<Command, "id">): Promise<Extract<Result, { ok: true }>> {
    const r = await this.run(cmd);
    if (!r.ok) {
      throw new Error(`${this.lang} peer: ${JSON.stringify(cmd)} failed: ${r.error}`);
    }
    return r;
  }

  /** Kills the process with `signal` and waits for it to exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }

  /** Ends stdin (a clean stop), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    live.delete(this);
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private onData(text: string): void {
    this.buffered += text;
    let nl = this.buffered.indexOf("\n");
    while (nl >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      nl = this.buffered.indexOf("\n");
      if (line === "") {
        continue;
      }
      const msg = JSON.parse(line) as PeerEvent | Result;
      if ("event" in msg) {
        this.events.push(msg);
        this.wakeEvents();
      } else {
        this.waiting.get(msg.id)?.(msg);
        this.waiting.delete(msg.id);
      }
    }
  }

  private wakeEvents(): void {
    const w = this.eventWaiters;
    this.eventWaiters = [];
    for (const wake of w) {
      wake();
    }
  }

  private async until(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${this.lang} peer exited (${this.child.exitCode ?? this.child.signalCode}) while waiting for ${what}\nstderr:\n${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}\nstderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.eventWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** The suite-lifetime peers not yet stopped. */
const live = new Set<Peer>();

/** Stops every suite-lifetime peer still running (a suite's afterAll). */
export async function stopAllPeers(): Promise<void> {
  const peers = [...live];
  live.clear();
  await Promise.all(peers.map((p) => p.stop()));
}

/** "1=addr,2=addr" from a map of IDs to addresses. */
export function nodeList(addrs: ReadonlyMap<number, string>): string {
  return [...addrs].map(([id, a]) => `${id}=${a}`).join(",");
}
