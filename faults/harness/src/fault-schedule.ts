/**
 * Seeded fault schedules and their execution on a ProcessSet: kill -9 and
 * restart on the same port, or SIGSTOP and SIGCONT, of at most a minority
 * of the processes at once. The plan (which fault, to which process, when,
 * for how long) is a function of the seed; the timing of a loaded machine
 * still varies from run to run.
 */
import type { ProcessSet } from "./process-set.js";
import { rng } from "./rng.js";

/** One planned fault: at `at` ms into the schedule, `kind` process `replica` for `forMs`. */
export interface Fault {
  at: number;
  kind: "kill" | "stop";
  replica: number;
  forMs: number;
}

/** The shape of a schedule. */
export interface PlanOptions {
  /** Processes 1..n. */
  n: number;
  /** At most this many processes down or stopped at once. */
  maxFaulty: number;
  /** The plan ends this many ms in. */
  ms: number;
}

/**
 * The fault schedule of a seed: a fault every 150–450 ms (when fewer than
 * `maxFaulty` processes are planned to be faulty then), a kill -9 (down for
 * 200–1500 ms, then restarted) or a SIGSTOP (300–1800 ms, then SIGCONT), to
 * a process not already faulty.
 */
export function planFaults(seed: number, { n, maxFaulty, ms }: PlanOptions): Fault[] {
  const random = rng(seed);
  const faults: Fault[] = [];
  const busyUntil = new Map<number, number>();
  for (let at = 300 + random() * 300; at < ms; at += 150 + random() * 300) {
    const free = Array.from({ length: n }, (_, i) => i + 1).filter((r) => (busyUntil.get(r) ?? 0) <= at);
    const kind = random() < 0.55 ? "kill" : "stop";
    const replica = free[Math.floor(random() * free.length)];
    const forMs = kind === "kill" ? 200 + random() * 1300 : 300 + random() * 1500;
    if (n - free.length >= maxFaulty || replica === undefined) {
      continue;
    }
    // Restarting takes a while too: keep the process busy a little longer than planned.
    busyUntil.set(replica, at + forMs + 600);
    faults.push({ at: Math.round(at), kind, replica, forMs: Math.round(forMs) });
  }
  return faults;
}

/** What a schedule did. */
export interface FaultCounts {
  kills: number;
  restarts: number;
  stops: number;
  /** Planned faults not injected: the process was not running, or `maxFaulty` were faulty already. */
  skipped: number;
  /** performance.now() when the first restarted process was ready (Infinity if none). */
  firstRestartAt: number;
}

/** How a schedule runs. */
export interface RunFaultsOptions {
  /** At most this many processes down or stopped at once: a planned fault beyond it is skipped. */
  maxFaulty: number;
  /** The schedule's length in ms: at the end every process is continued or restarted. */
  ms: number;
  /** Checked before each fault: true skips the rest (e.g. once the clients failed). */
  cancelled?: () => boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `faults` on `set`, from now: each fault at its time, healed (restarted
 * or continued) `forMs` later; when the schedule ends, heals every process
 * and resolves once every restarted one is ready (rejecting if a restart
 * failed). The plan assumed restarts take at most 600 ms; on a slow machine
 * a fault is skipped rather than exceed `maxFaulty`.
 */
export async function runFaults(set: ProcessSet, faults: readonly Fault[], opts: RunFaultsOptions): Promise<FaultCounts> {
  const counts: FaultCounts = { kills: 0, restarts: 0, stops: 0, skipped: 0, firstRestartAt: Number.POSITIVE_INFINITY };
  const restarts: Array<Promise<void>> = [];
  const healAt = new Map<number, number>();
  const faultyNow = () => set.ids.filter((id) => set.state(id) !== "running").length;
  const heal = (id: number) => {
    healAt.delete(id);
    if (set.state(id) === "stopped") {
      set.cont(id);
    } else if (set.state(id) === "down") {
      const restarted = set.start(id).then(() => {
        counts.restarts++;
        counts.firstRestartAt = Math.min(counts.firstRestartAt, performance.now());
      });
      restarted.catch(() => {
        // Reported where every restart is awaited.
      });
      restarts.push(restarted);
    }
  };
  const start = performance.now();
  /** Waits until `at` ms into the schedule, healing the faults that are due meanwhile. */
  const until = async (at: number) => {
    for (let now = performance.now() - start; now < at; now = performance.now() - start) {
      for (const [id, when] of healAt) {
        if (when <= now) {
          heal(id);
        }
      }
      await sleep(Math.max(1, Math.min(20, at - now)));
    }
  };
  for (const f of faults) {
    await until(f.at);
    if (faultyNow() >= opts.maxFaulty || set.state(f.replica) !== "running" || opts.cancelled?.() === true) {
      counts.skipped++;
      continue;
    }
    healAt.set(f.replica, f.at + f.forMs);
    if (f.kind === "kill") {
      counts.kills++;
      await set.kill(f.replica);
    } else {
      counts.stops++;
      await set.stop(f.replica);
    }
  }
  await until(opts.ms);
  for (const id of set.ids) {
    heal(id);
  }
  await Promise.all(restarts);
  return counts;
}
