/**
 * The ABD register under process faults, checked for linearizability by
 * Porcupine (faults/checker): five replica processes with state directories
 * on fixed 127.0.0.1 ports, three client processes (`client --duration-ms`)
 * doing random reads and writes without pause, each writing its history as
 * JSON lines, while a seeded fault schedule kill -9s a replica and restarts
 * it later on the same port, or SIGSTOPs one and SIGCONTs it later, every
 * 150–450 ms, at most two of the five down or stopped at once. Then the
 * histories of all clients together must be linearizable, and the faults
 * must have happened. The liveness figures (success rate, the longest time
 * without a successful operation) are printed.
 *
 * GORUMS_REGISTER_FAULT_SEED sets the seed (default 1),
 * GORUMS_REGISTER_FAULT_MS the length of the schedule (default 10,000 ms),
 * GORUMS_REGISTER_NO_WRITE_BACK=1 runs the clients with --no-write-back
 * (random faults rarely catch it; no-write-back.test.ts does, every time).
 * A failed check keeps the histories and Porcupine's visualization in a
 * directory named in the failure.
 */
import { join } from "node:path";
import { formatLiveness, haveGo, livenessFigures, planFaults, runFaults } from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { endCheckedRun, expectCheckedRun } from "./checked-run.js";
import { useCheckerDir } from "./checker-dir.js";
import { registerReplicas, startClient, useRunProcesses } from "./processes.js";

const SEED = Number(process.env.GORUMS_REGISTER_FAULT_SEED ?? 1);
const FAULT_MS = Number(process.env.GORUMS_REGISTER_FAULT_MS ?? 10_000);
const WRITE_BACK = process.env.GORUMS_REGISTER_NO_WRITE_BACK !== "1";
const N = 5;
const CLIENTS = 3;
/** At most this many replicas down or stopped at once: a majority stays up. */
const MAX_FAULTY = 2;
/** The clients go on this long after the schedule ends, with every replica up. */
const TAIL_MS = 2000;
/** How long Porcupine may take (a long run has more operations to check). */
const CHECK_TIMEOUT_S = Math.max(60, Math.round(FAULT_MS / 1000));

// Without go the check cannot run: skipped loudly, except on CI.
const GO = haveGo();
if (!GO) {
  console.error("\n*** register faults: `go` is not on PATH: the linearizability check (faults/checker) cannot run; skipped ***\n");
}

describe.skipIf(!GO && process.env.CI !== "true")("ABD register processes under kill -9, restart and SIGSTOP, checked by Porcupine", () => {
  const tmp = useCheckerDir("register-faults-");
  const procs = useRunProcesses();

  it(
    `seed ${SEED}, ${FAULT_MS} ms of faults${WRITE_BACK ? "" : " (--no-write-back)"}: the history of every client is linearizable`,
    { timeout: FAULT_MS + TAIL_MS + CHECK_TIMEOUT_S * 1000 + 60_000 },
    async () => {
      const { dir } = tmp;
      const t0 = performance.now();
      const set = await registerReplicas(N, join(dir, "state"));
      procs.replicas = set;
      await Promise.all(set.ids.map((id) => set.start(id)));

      const histories = Array.from({ length: CLIENTS }, (_, i) => join(dir, `history-${i + 1}.jsonl`));
      procs.clients = histories.map((history, i) =>
        startClient([
          "--replicas",
          set.replicaList,
          "--id",
          String(i + 1),
          "--history",
          history,
          "--duration-ms",
          String(FAULT_MS + TAIL_MS),
          ...(WRITE_BACK ? [] : ["--no-write-back"]),
        ]),
      );
      await Promise.all(procs.clients.map((c) => c.ready));

      const counts = await runFaults(set, planFaults(SEED, { n: N, maxFaulty: MAX_FAULTY, ms: FAULT_MS }), { maxFaulty: MAX_FAULTY, ms: FAULT_MS });
      const run = await endCheckedRun(procs.clients, set, tmp, histories, CHECK_TIMEOUT_S);
      procs.clients = [];

      const figures = livenessFigures(histories);
      const summary =
        `seed ${SEED}: ${counts.kills} kills (${counts.restarts} restarts), ${counts.stops} stops, ${counts.skipped} planned faults skipped; ` +
        `${formatLiveness(figures)}; ${run.verdict}; ` +
        `${Math.round(performance.now() - t0)} ms`;
      console.log(`register faults: ${summary}${run.failures}`);

      expectCheckedRun(run, set, tmp, summary);
      expect(figures.ok, summary).toBeGreaterThan(0);
      expect(counts.kills, summary).toBeGreaterThan(0);
      expect(counts.stops, summary).toBeGreaterThan(0);
      expect(counts.restarts, summary).toBe(counts.kills);
    },
  );
});
