// The `replica` subcommand: one Paxos replica in this process, a symmetric
// System that knows every replica's address, optionally with its state on
// stable storage so that it can be killed and restarted.
//
//   node dist/main.js replica --id 2 --state-dir /tmp/paxos-2 \
//     --replicas 1=127.0.0.1:9001,2=127.0.0.1:9002,3=127.0.0.1:9003
//
// Its output is line-oriented for a test (or a person) to follow: a "ready"
// line once it serves, a "connected" line once every replica is connected,
// a "leading" line each time it becomes leader, and a "decided" line for
// every slot it learns.
import { newSymmetricSystem, type System, withNodes } from "@gorums/runtime";
import { formatBallot } from "./ballot.js";
import type { ReplicaCommand } from "./cli.js";
import { Replica } from "./replica.js";
import { emptyState, FileStorage, type StableState } from "./storage.js";

/** The line a replica prints once it serves: `replica <id> ready on <host:port> …`. */
export const READY_LINE = /^replica (\d+) ready on (\S+)/;

/**
 * The line a replica prints for every slot it learns (decided by itself as
 * leader, or told by Learn): `decided <slot> <command id, "-" for a no-op>
 * <round>.<node>`. A slot learned again with a different command is printed
 * again: every value the replica was ever told is decided shows up.
 */
export const DECIDED_LINE = /^decided (\d+) (\S+) (\d+)\.(\d+)$/;

/**
 * The line a replica prints each time it becomes leader (a quorum promised
 * its ballot): `leading <round>.<node>`. The replica that printed the
 * highest ballot is the one that leads now, until some replica prints a
 * higher one.
 */
export const LEADING_LINE = /^leading (\d+)\.(\d+)$/;

/** Runs a replica until SIGINT, SIGTERM, or the parent process going away; resolves with the exit code. */
export async function runReplica(cmd: ReplicaCommand): Promise<number> {
  const name = `replica ${cmd.id}`;
  const addr = cmd.replicas.get(cmd.id) as string;
  let storage: FileStorage | undefined;
  let restored: StableState = emptyState();
  let stateNote = "no --state-dir: state in memory only";
  if (cmd.stateDir !== undefined) {
    try {
      storage = FileStorage.open(cmd.stateDir);
    } catch (err) {
      console.error(`${name}: cannot read its state in ${cmd.stateDir}: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    const s = storage.restored;
    if (cmd.forgetState) {
      stateNote = `--forget-state: ignoring ${storage.records} records in ${storage.path} (unsafe)`;
    } else {
      restored = s;
      stateNote =
        storage.records === 0
          ? `state in ${storage.path}: new`
          : `state in ${storage.path}: promised ${formatBallot(s.promised)}, ${s.accepted.size} accepted slots, last ballot used ${formatBallot(s.proposed)}`;
      if (storage.droppedBytes > 0) {
        stateNote += ` (dropped a torn last record of ${storage.droppedBytes} bytes)`;
      }
    }
  }

  let system: System;
  try {
    system = await newSymmetricSystem(addr, cmd.id, withNodes(cmd.replicas));
  } catch (err) {
    storage?.close();
    console.error(`${name}: cannot listen on ${addr}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const replica = new Replica(system, {
    n: cmd.replicas.size,
    ...(storage !== undefined ? { storage, restored } : {}),
    onLead: (ballot) => console.log(`leading ${formatBallot(ballot)}`),
  });
  replica.learner.onLearn((e) => {
    console.log(`decided ${e.slot} ${e.command.id === "" ? "-" : e.command.id} ${formatBallot(e.ballot)}`);
  });
  await system.serve();
  system.newOutboundConfig();

  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Started by another process with an IPC channel (a test): leave with it, even if it was killed.
  process.once("disconnect", stop);

  console.log(`${name} ready on ${system.addr} (${stateNote})`);
  system
    .waitForConfig((c) => c.size === cmd.replicas.size, { signal: stopping.signal })
    .then(
      () => console.log(`${name}: all ${cmd.replicas.size} replicas connected`),
      () => {
        // Stopped first.
      },
    );
  await new Promise((resolve) => stopping.signal.addEventListener("abort", resolve, { once: true }));
  const s = replica.stats;
  console.log(`${name} stopping: phase 1 in ${s.prepares} ballots, led ${s.ledBallots}, decided ${s.decided} slots`);
  await system.stop();
  storage?.close();
  return 0;
}
