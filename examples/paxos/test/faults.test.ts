/**
 * Paxos safety under process faults (issue 7, item 1): five replicas, each
 * its own process (`node dist/main.js replica … --state-dir …`) on a fixed
 * 127.0.0.1 port, while clients in this process submit commands without
 * pause and a seeded fault schedule, every few hundred milliseconds,
 * kill -9s a replica and restarts it later on the same port with the same
 * state directory, or SIGSTOPs one and SIGCONTs it later — at most two of
 * the five down or stopped at once, so that a majority can make progress.
 * A client whose Submit fails or times out retries the same command on the
 * next replica (so a command may be decided in two slots; it is applied
 * once). When the schedule ends, every replica is continued or restarted
 * and the commands in flight finish. Then:
 *
 * (a) across every "decided" line printed by every incarnation of every
 *     replica, no slot has two different commands — the safety property;
 * (b) every command a client got an answer for is decided, in the slot the
 *     answer named;
 * (c) the faults happened: kills and stops, restarted incarnations that
 *     learned decisions, and slots first decided after a restart;
 * (d) no replica exited by itself, and none is left running afterwards;
 * (e) the clients' histories (every third command a get, the others puts,
 *     all through the log) are linearizable: Porcupine, faults/checker
 *     -model kv (skipped with a loud message where go is missing).
 *
 * The schedule (which fault, to which replica, when, for how long) is a
 * function of the seed; the timing of a loaded machine still varies from
 * run to run. GORUMS_PAXOS_FAULT_SEED sets the seed (default 1),
 * GORUMS_PAXOS_FAULT_MS the length of the schedule (default 20,000 ms).
 * GORUMS_PAXOS_FAULT_FORGET=1 starts every replica with --forget-state (it
 * writes its state but ignores it at restart): an unsafe replica, to see
 * the checks fail — that run is expected to fail.
 */
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { formatCheck, planFaults, runChecker, runFaults, skipWithoutGo, useCheckerDir } from "@gorums/fault-harness";
import { type Configuration, newConfig, withNodes } from "@gorums/runtime";
import { describe, expect, it, onTestFinished } from "vitest";
import { submit } from "../src/gen/paxos/paxos_gorums.js";
import { CommandSchema } from "../src/gen/paxos/paxos_pb.js";
import { formatOp, type KvCommand } from "../src/kv-command.js";
import { KvHistory } from "../src/kv-history.js";
import { type Decision, paxosReplicas } from "./replica-process.js";

const SEED = Number(process.env.GORUMS_PAXOS_FAULT_SEED ?? 1);
const FAULT_MS = Number(process.env.GORUMS_PAXOS_FAULT_MS ?? 20_000);
const FORGET = process.env.GORUMS_PAXOS_FAULT_FORGET === "1";
const N = 5;
const CLIENTS = 5;
/** At most this many replicas down or stopped at once. */
const MAX_FAULTY = 2;
/** Deadline of one Submit; then the client tries the next replica. */
const SUBMIT_TIMEOUT_MS = 3000;
/** After the schedule: time for the commands in flight to finish. */
const FINISH_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Without go the histories are not checked (e); the other checks run.
const CHECKED = !skipWithoutGo("paxos faults (the Porcupine check of its histories)");

describe("Paxos replicas as processes under kill -9, restart and SIGSTOP", () => {
  // The checker's directory holds the state directories and the histories too.
  const tmp = useCheckerDir("paxos-faults-", { build: CHECKED });

  it(
    `seed ${SEED}, ${FAULT_MS} ms of faults${FORGET ? " (replicas with --forget-state: expected to fail)" : ""}: no slot is ever decided with two commands`,
    { timeout: FAULT_MS + FINISH_MS + 60_000 },
    async () => {
      const t0 = performance.now();
      /** False once the test is over, however it ended: the clients stop retrying. */
      let active = true;
      // Killed when the test ends, after the clients' configurations are closed (registered below, so run before).
      const { set, decisions } = await paxosReplicas(N, { stateRoot: join(tmp.dir, "state"), forgetState: FORGET });
      await Promise.all(set.ids.map((id) => set.start(id)));

      // Clients: each submits its commands one after the other, starting at its own replica and
      // moving on to the next one when a Submit fails or times out, until told to stop.
      let submitting = true;
      const answered: Array<{ id: string; slot: number; replica: number }> = [];
      let retries = 0;
      const configs = Array.from({ length: CLIENTS }, () => newConfig(withNodes(new Map(set.addrs))));
      onTestFinished(async () => {
        active = false;
        await Promise.all(configs.map((c) => c.close()));
      });
      let finishBy = Number.POSITIVE_INFINITY; // set when the faults end
      const histories = Array.from({ length: CLIENTS }, (_, i) => join(tmp.dir, `history-${i + 1}.jsonl`));
      const client = async (c: number, config: Configuration) => {
        const history = new KvHistory(c, histories[c - 1]);
        let target = ((c - 1) % N) + 1;
        /** Submits the command, the same one again to the next replica after each failure, until answered. */
        const untilAnswered = async (id: string, kv: KvCommand): Promise<string> => {
          const command = create(CommandSchema, { id, op: formatOp(kv) });
          for (;;) {
            try {
              const reply = await submit(config.node(target)!.context({ timeoutMs: SUBMIT_TIMEOUT_MS }), { command });
              answered.push({ id, slot: reply.slot, replica: reply.replica });
              return reply.result;
            } catch (err) {
              if (!active || performance.now() > finishBy) {
                throw new Error(`client ${c}: ${id} still not decided at the end (${err instanceof Error ? err.message : String(err)})`);
              }
              retries++;
              target = (target % N) + 1;
              await sleep(20);
            }
          }
        };
        for (let k = 1; submitting; k++) {
          const key = `k${k % 7}`;
          const kv: KvCommand = k % 3 === 0 ? { kind: "get", key } : { kind: "put", key, value: history.nextId };
          const outcome = await history.record(kv, (id) => untilAnswered(id, kv));
          if (outcome.type === "info") {
            if (!active) {
              return;
            }
            throw outcome.error;
          }
        }
      };
      const clients = Promise.all(configs.map((config, i) => client(i + 1, config)));
      let clientsFailed: unknown;
      clients.catch((err: unknown) => {
        clientsFailed = err;
      });

      // The fault schedule; at its end every replica is continued or restarted.
      const counts = await runFaults(set, planFaults(SEED, { n: N, maxFaulty: MAX_FAULTY, ms: FAULT_MS }), {
        maxFaulty: MAX_FAULTY,
        ms: FAULT_MS,
        cancelled: () => clientsFailed !== undefined,
      });

      // Let the commands in flight finish.
      submitting = false;
      finishBy = performance.now() + FINISH_MS;
      await clients;
      const faultsEnd = performance.now();

      // What every incarnation of every replica printed: read to the end.
      await set.killAll();
      expect(set.running).toBe(0);
      expect(set.alivePids(), "replica processes left running").toEqual([]);
      const bySlot = new Map<number, Map<string, Decision[]>>();
      for (const d of decisions) {
        const ids = bySlot.get(d.slot) ?? new Map<string, Decision[]>();
        bySlot.set(d.slot, ids);
        ids.set(d.id, [...(ids.get(d.id) ?? []), d]);
      }
      const check = CHECKED ? await runChecker(tmp.checker, histories, { model: "kv", htmlPath: join(tmp.dir, "violation.html") }) : undefined;
      const summary =
        `seed ${SEED}: ${counts.kills} kills (${counts.restarts} restarts), ${counts.stops} stops, ${counts.skipped} planned faults skipped; ` +
        `${answered.length} commands answered (${retries} retries), ${bySlot.size} slots, ${decisions.length} decided lines; ` +
        `${check === undefined ? "histories not checked (no go)" : formatCheck(check)}; ${Math.round(faultsEnd - t0)} ms`;
      console.log(`paxos faults: ${summary}`);

      // (d) No replica crashed by itself.
      expect(set.unexpectedExits, summary).toEqual([]);

      // (a) Safety: one command per slot, over every line of every incarnation.
      const conflicts = [...bySlot]
        .filter(([, ids]) => ids.size > 1)
        .map(([slot, ids]) => `slot ${slot}: ${[...ids].map(([id, ds]) => `${id} (${ds.map((d) => `replica ${d.replica}#${d.incarnation} ballot ${d.ballot}`).join(", ")})`).join(" vs ")}`);
      expect(conflicts.length, `${summary}\n${conflicts.length} slots decided with two commands, e.g.:\n${conflicts.slice(0, 10).join("\n")}`).toBe(0);

      // (b) Every answered command is decided, in the slot its answer named.
      const missing = answered.filter((a) => bySlot.get(a.slot)?.has(a.id) !== true).map((a) => `${a.id} (slot ${a.slot}, from replica ${a.replica})`);
      expect(missing, summary).toEqual([]);
      expect(answered.length, summary).toBeGreaterThan(0);

      // (e) The clients' puts and gets are linearizable.
      if (check !== undefined) {
        if (check.linearizable !== true) {
          tmp.keep();
        }
        expect(check.linearizable, `${summary}\n${check.output}\nhistories and visualization kept in ${tmp.dir}`).toBe(true);
      }

      // (c) The faults happened and the system went on deciding through them.
      expect(counts.kills, summary).toBeGreaterThan(0);
      expect(counts.stops, summary).toBeGreaterThan(0);
      expect(counts.restarts, summary).toBe(counts.kills);
      const byRestarted = decisions.filter((d) => d.incarnation > 1).length;
      expect(byRestarted, `${summary}: no restarted replica learned anything`).toBeGreaterThan(0);
      const firstSeen = new Map<number, number>();
      for (const d of decisions) {
        firstSeen.set(d.slot, Math.min(firstSeen.get(d.slot) ?? Number.POSITIVE_INFINITY, d.at));
      }
      const slotsAfterRestart = [...firstSeen.values()].filter((at) => at > counts.firstRestartAt).length;
      expect(slotsAfterRestart, `${summary}: no slot was decided after the first restart`).toBeGreaterThan(0);
    },
  );
});
