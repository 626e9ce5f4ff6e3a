/**
 * Paxos replicas as real processes for the fault test: a ProcessSet (the
 * shared fault harness) whose processes run `node dist/main.js replica
 * --id I --replicas … --state-dir …`, so a restart after kill -9 comes back
 * at the same address with the same state directory. Every "decided" line of
 * every incarnation is collected, with the incarnation that printed it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessSet } from "@gorums/fault-harness";
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

/** Options of a set of replica processes. */
export interface ReplicaSetOptions {
  /** Directory under which replica I keeps its state in `I/`. */
  stateRoot: string;
  /** Start every incarnation with --forget-state (unsafe: to show that the checks catch amnesia). */
  forgetState?: boolean;
}

/** N Paxos replica processes (IDs 1..N) with state directories, and every line they decided. */
export async function paxosReplicas(n: number, opts: ReplicaSetOptions): Promise<{ set: ProcessSet; decisions: Decision[] }> {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build the example first (pnpm --filter @gorums/example-paxos build)`);
  }
  const decisions: Decision[] = [];
  const set = await ProcessSet.create(n, {
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
    },
  });
  return { set, decisions };
}
