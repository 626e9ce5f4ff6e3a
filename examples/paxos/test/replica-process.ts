/**
 * Paxos replicas as real processes for the fault tests: a ProcessSet (the
 * shared fault harness) whose processes run `node dist/main.js replica
 * --id I --replicas … --state-dir …`, so a restart after kill -9 comes back
 * at the same address with the same state directory. Every "decided" line of
 * every incarnation is collected, with the incarnation that printed it, and
 * every "leading" line, which tells who leads; the set is killed when the
 * test that made it ends. Key-value client processes run
 * `node dist/main.js client …`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ClientProcess, ProcessSet, type ProcessSetOptions, startClientProcess } from "@gorums/fault-harness";
import { onTestFinished } from "vitest";
import { KV_CLIENT_READY_LINE } from "../src/kv-client.js";
import { DECIDED_LINE, LEADING_LINE, READY_LINE } from "../src/replica-main.js";

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

/** One "leading" line: replica `node` became leader in ballot `round`.`node`. */
export interface Leading {
  round: number;
  node: number;
  /** CLOCK_MONOTONIC ns (as the histories' `time`) when the test read the line. */
  timeNs: number;
}

/** Options of a set of replica processes. */
export interface ReplicaSetOptions {
  /** Directory under which replica I keeps its state in `I/`. */
  stateRoot: string;
  /** Start every incarnation with --forget-state (unsafe: to show that the checks catch amnesia). */
  forgetState?: boolean;
  /** Where the replicas run instead of 127.0.0.1 ports: replica I at `addrs` I, started through `wrap(I)` (such as NetHosts.exec). */
  placement?: { addrs: ReadonlyMap<number, string>; wrap(id: number): string[] };
}

/** What `paxosReplicas` gives: the set, every line its replicas decided, and who led. */
export interface PaxosReplicas {
  set: ProcessSet;
  decisions: Decision[];
  /** Every "leading" line, in the order read. */
  leadings: Leading[];
  /** The replica that leads now, as far as the lines tell: the one that printed the highest ballot; undefined before any. */
  leader(): number | undefined;
}

/**
 * N Paxos replica processes (IDs 1..N) with state directories, every line
 * they decided, and who led. Every one still running is killed (kill -9)
 * when the current test ends: call it inside a test.
 */
export async function paxosReplicas(n: number, opts: ReplicaSetOptions): Promise<PaxosReplicas> {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build the example first (pnpm --filter @gorums/example-paxos build)`);
  }
  const decisions: Decision[] = [];
  const leadings: Leading[] = [];
  const setOptions: ProcessSetOptions = {
    args: (id, addrs) => {
      const list = [...addrs].map(([i, a]) => `${i}=${a}`).join(",");
      const args = [MAIN, "replica", "--id", String(id), "--replicas", list, "--state-dir", join(opts.stateRoot, String(id))];
      return opts.forgetState === true ? [...args, "--forget-state"] : args;
    },
    readyLine: READY_LINE,
    onLine: (id, incarnation, line) => {
      const d = DECIDED_LINE.exec(line);
      if (d !== null) {
        decisions.push({ replica: id, incarnation, slot: Number(d[1]), id: d[2] as string, ballot: `${d[3]}.${d[4]}`, at: performance.now() });
      }
      const l = LEADING_LINE.exec(line);
      if (l !== null) {
        leadings.push({ round: Number(l[1]), node: Number(l[2]), timeNs: Number(process.hrtime.bigint()) });
      }
    },
  };
  const set = opts.placement === undefined ? await ProcessSet.create(n, setOptions) : ProcessSet.at(opts.placement.addrs, { ...setOptions, wrap: opts.placement.wrap });
  onTestFinished(() => set.killAll());
  const leader = () => leadings.reduce<Leading | undefined>((best, l) => (best === undefined || l.round > best.round || (l.round === best.round && l.node > best.node) ? l : best), undefined)?.node;
  return { set, decisions, leadings, leader };
}

/** Starts `node dist/main.js client ARGS…`, a key-value client (through `wrap`, such as NetHosts.exec, when given). */
export function startKvClient(args: readonly string[], wrap: readonly string[] = []): ClientProcess {
  return startClientProcess([...wrap, process.execPath, MAIN, "client", ...args], KV_CLIENT_READY_LINE);
}
