/**
 * The register's programs as real processes for the tests: replicas in a
 * ProcessSet of the shared fault harness (`node dist/main.js replica …`,
 * each with a state directory, so kill -9 and restart is safe), and client
 * processes (`node dist/main.js client …`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ClientProcess, endProcesses, ProcessSet, startClientProcess } from "@gorums/fault-harness";
import { afterEach, onTestFinished } from "vitest";
import { CLIENT_READY_LINE } from "../src/client-main.js";
import { READY_LINE } from "../src/replica-main.js";

/** The built program (the test command builds the workspace before vitest). */
export const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** Where replicas run instead of 127.0.0.1: each at its address, started through `wrap(id)` (such as NetHosts.exec). */
export interface Placement {
  addrs: ReadonlyMap<number, string>;
  wrap?(id: number): string[];
  /**
   * The addresses the replicas know each other by (their `--replicas`),
   * such as a proxy in front of each; each then listens at its `addrs`
   * entry (`--listen`). Default: `addrs`.
   */
  peers?: ReadonlyMap<number, string>;
}

/**
 * N replica processes (IDs 1..N), replica I keeping its value in
 * `stateRoot/I`; on 127.0.0.1 ports, or as `placement` says. Every one
 * still running is killed (kill -9) when the current test ends: call it
 * inside a test.
 */
export async function registerReplicas(n: number, stateRoot: string, placement?: Placement): Promise<ProcessSet> {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build the example first (pnpm --filter @gorums/example-register build)`);
  }
  const peers = placement?.peers;
  const opts = {
    args: (id: number, addrs: ReadonlyMap<number, string>) => [
      MAIN,
      "replica",
      "--id",
      String(id),
      "--replicas",
      [...(peers ?? addrs)].map(([i, a]) => `${i}=${a}`).join(","),
      ...(peers !== undefined ? ["--listen", addrs.get(id) as string] : []),
      "--state-dir",
      join(stateRoot, String(id)),
    ],
    readyLine: READY_LINE,
  };
  const wrap = placement?.wrap;
  const set = placement === undefined ? await ProcessSet.create(n, opts) : ProcessSet.at(placement.addrs, { ...opts, ...(wrap !== undefined ? { wrap } : {}) });
  onTestFinished(() => set.killAll());
  return set;
}

export type { ClientProcess } from "@gorums/fault-harness";
export { endProcesses } from "@gorums/fault-harness";

/**
 * Starts `node dist/main.js client ARGS…` (through `wrap`, such as
 * NetHosts.exec, when given); the IPC channel makes it leave if the test
 * process dies.
 */
export function startClient(args: readonly string[], wrap: readonly string[] = []): ClientProcess {
  return startClientProcess([...wrap, process.execPath, MAIN, "client", ...args], CLIENT_READY_LINE);
}

/** The processes of one test: what `useRunProcesses` ends after it. */
export interface RunProcesses {
  replicas: ProcessSet | undefined;
  clients: ClientProcess[];
}

/**
 * Registers the afterEach that ends (kill -9) the clients, then the
 * replicas, that the test put in the returned holder, also when it failed,
 * and then runs `then` (more cleanup, such as the test hosts).
 */
export function useRunProcesses(then?: () => unknown): RunProcesses {
  const procs: RunProcesses = { replicas: undefined, clients: [] };
  afterEach(async () => {
    await endProcesses(procs.clients, procs.replicas);
    procs.clients = [];
    procs.replicas = undefined;
    await then?.();
  });
  return procs;
}
