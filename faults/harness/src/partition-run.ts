/**
 * What the partition tests (examples/register, examples/paxos) share around
 * their schedule: whether the machine lets them run (a loud message when
 * not), the cleanup of their processes and test hosts after each test,
 * the end of a run (every process gone, every namespace deleted), and the
 * lines of their report.
 */
import { execFileSync } from "node:child_process";
import { afterEach } from "vitest";
import type { CheckResult } from "./checker.js";
import { skipWithoutGo } from "./checker-dir.js";
import type { ClientProcess } from "./client-process.js";
import { endProcesses } from "./client-process.js";
import { NetHosts, netnsRefusal } from "./net-hosts.js";
import type { PartitionWindow } from "./partition-schedule.js";
import type { ProcessSet } from "./process-set.js";

/**
 * Whether a partition test named `what` must be skipped here: the machine
 * refuses network namespaces, or `go` (for the checker) is missing outside
 * CI (skipWithoutGo). Prints a loud message saying why.
 */
export function skipPartitionTest(what: string): boolean {
  const refusal = netnsRefusal();
  if (refusal !== undefined) {
    console.error(`\n*** ${what}: this machine refuses network namespaces (${refusal}): the partition test is SKIPPED ***\n`);
    return true;
  }
  return skipWithoutGo(what);
}

/** Where replicas run on test hosts: replica I (from 1) on host `names[I-1]`, at its address and `port`, started in its namespace. */
export function hostPlacement(hosts: NetHosts, names: readonly string[], port: number): { addrs: Map<number, string>; wrap(id: number): string[] } {
  return {
    addrs: new Map(names.map((h, i) => [i + 1, `${hosts.addr(h)}:${port}`])),
    wrap: (id) => hosts.exec(names[id - 1] as string),
  };
}

/** The processes and hosts of a partition test, for its cleanup: the test sets them as it makes them. */
export interface PartitionRun {
  net: NetHosts | undefined;
  replicas: ProcessSet | undefined;
  clients: ClientProcess[];
  /** Makes the test hosts (NetHosts.create) as `net`. */
  createHosts(names: readonly string[]): Promise<NetHosts>;
}

/** Registers the afterEach that ends the run's clients and replicas and deletes its hosts, however the test ended. */
export function usePartitionRun(): PartitionRun {
  const run: PartitionRun = {
    net: undefined,
    replicas: undefined,
    clients: [],
    createHosts: async (names) => {
      run.net = await NetHosts.create(names);
      return run.net;
    },
  };
  afterEach(async () => {
    await endProcesses(run.clients, run.replicas);
    run.clients = [];
    run.replicas = undefined;
    run.net?.destroy();
    run.net = undefined;
  });
  return run;
}

/**
 * Ends the run once its clients are done: kills every replica and deletes
 * the hosts. Resolves with the replica processes still alive and this run's
 * namespaces still listed by `ip netns` (both empty when all went well).
 */
export async function finishPartitionRun(run: PartitionRun): Promise<{ alive: number[]; namespacesLeft: string[] }> {
  run.clients = [];
  await run.replicas?.killAll();
  const alive = run.replicas?.alivePids() ?? [];
  const hosts = run.net;
  hosts?.destroy();
  run.net = undefined;
  const ours = new Set(hosts === undefined ? [] : [hosts.hub, ...hosts.namespaces.values()]);
  const namespacesLeft = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((ns) => ours.has(ns));
  return { alive, namespacesLeft };
}

/** "checked N operations: linearizable" (or "NOT linearizable", or "no verdict"). */
export function formatCheck(check: CheckResult): string {
  const verdict = check.linearizable === true ? "linearizable" : check.linearizable === false ? "NOT linearizable" : "no verdict";
  return `checked ${check.operations ?? "?"} operations: ${verdict}`;
}

/** One line per partition: its sides and how long it was in place. */
export function formatWindows(windows: readonly PartitionWindow[]): string {
  return windows.map((w) => `  ${w.partition.description}: ${Math.round((w.endNs - w.startNs) / 1e6)} ms`).join("\n");
}

/** The clients' indented lines of failure reasons (`  N x why`), as a block headed by `heading`, or "" if none. */
export function failureReasons(results: ReadonlyArray<{ stdout: string }>, heading: string): string {
  const reasons = results.flatMap((r) => r.stdout.split("\n").filter((l) => l.startsWith("  ")));
  return reasons.length > 0 ? `\n${heading}:\n${reasons.join("\n")}` : "";
}
