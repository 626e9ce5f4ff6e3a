/**
 * Seeded faults of single links that run through Toxiproxy: latency with
 * jitter, resets, silent stalls, several at once on different links. Each
 * link belongs to a group (a client's links to the replicas, say), and at
 * most `maxPerGroup` links of a group are faulty at once, so a client keeps
 * a majority of clean links. The plan is a function of the seed; the
 * timing of a loaded machine still varies.
 */
import { rng } from "./rng.js";
import { monotonicNs, scheduleClock } from "./schedule-clock.js";
import type { Toxiproxy, ToxicSpec } from "./toxiproxy.js";

/**
 * What a fault does to its link. "latency": 50–200 ms each way with jitter
 * of a quarter to a half of it (retransmissions of a lossy link); "reset":
 * connections reset (RST) 0–300 ms after data arrives, new ones as well
 * (a peer or middlebox that drops connections); "stall": everything sent
 * is dropped while the connection stays open (a silent cut), and the
 * connection is closed when the stall ends.
 */
export type LinkFaultKind = "latency" | "reset" | "stall";

/** A link through a proxy of the schedule. */
export interface ProxyLink {
  /** The proxy's name on the Toxiproxy server. */
  proxy: string;
  /** Links of one group share the `maxPerGroup` bound (such as one client's). */
  group: string;
}

/** One planned fault: at `at` ms into the schedule, on `link`, for `forMs`. */
export interface LinkFault {
  at: number;
  forMs: number;
  kind: LinkFaultKind;
  link: ProxyLink;
  /** The toxics that make it, added at `at`, removed `forMs` later. */
  toxics: ToxicSpec[];
  /** For messages: "latency 120±45 ms on c1-r3". */
  description: string;
}

/** The links and length of a schedule. */
export interface LinkFaultPlanOptions {
  links: readonly ProxyLink[];
  /** The plan ends this many ms in: every fault has ended by then. */
  ms: number;
  /** At most this many faulty links per group at once (default 2). */
  maxPerGroup?: number;
}

/** How long each kind of fault lasts (ms). */
export const LINK_FAULT_MS: Record<LinkFaultKind, { min: number; max: number }> = {
  latency: { min: 1500, max: 3500 },
  reset: { min: 500, max: 1500 },
  stall: { min: 1000, max: 2500 },
};

/**
 * The link-fault schedule of a seed: from 0.8–1.2 s in, a fault every
 * 300–700 ms on a link that is not faulty and whose group has fewer than
 * `maxPerGroup` faulty links (else none that time), half of the time one
 * of the group that has the most faulty links already; latency half of
 * the time, a reset or a stall a quarter each (in rounds of four, in a
 * seeded order).
 */
export function planLinkFaults(seed: number, opts: LinkFaultPlanOptions): LinkFault[] {
  const random = rng(seed);
  const between = (r: { min: number; max: number }) => Math.round(r.min + random() * (r.max - r.min));
  const maxPerGroup = opts.maxPerGroup ?? 2;
  const plan: LinkFault[] = [];
  // The kinds in rounds of four, each round in a seeded order: every kind comes up early.
  let round: LinkFaultKind[] = [];
  for (let at = 800 + random() * 400, n = 1; ; at += 300 + random() * 400, n++) {
    if (round.length === 0) {
      round = (["latency", "latency", "reset", "stall"] as const).map((k) => ({ k, r: random() })).sort((a, b) => a.r - b.r).map((x) => x.k);
    }
    const kind = round.pop() as LinkFaultKind;
    const forMs = between(LINK_FAULT_MS[kind]);
    if (at + forMs > opts.ms) {
      if (at + LINK_FAULT_MS.reset.min > opts.ms) {
        break;
      }
      continue;
    }
    const busy = plan.filter((f) => f.at <= at && at < f.at + f.forMs);
    const free = opts.links.filter((l) => !busy.some((f) => f.link.proxy === l.proxy) && busy.filter((f) => f.link.group === l.group).length < maxPerGroup);
    // Half of the time on the group with the most faulty links already (if it has a clean one left):
    // faults pile up on one client's links until its clean links are no longer a majority.
    const load = (g: string) => busy.filter((f) => f.link.group === g).length;
    const worst = Math.max(0, ...free.map((l) => load(l.group)));
    const pool = worst > 0 && random() < 0.5 ? free.filter((l) => load(l.group) === worst) : free;
    const link = pool[Math.floor(random() * pool.length)];
    if (link === undefined) {
      continue;
    }
    plan.push({ at: Math.round(at), forMs, kind, link, ...toxicsOf(kind, `f${n}`, link.proxy, random) });
  }
  return plan;
}

function toxicsOf(kind: LinkFaultKind, name: string, proxy: string, random: () => number): Pick<LinkFault, "toxics" | "description"> {
  if (kind === "latency") {
    const latency = 50 + Math.round(random() * 150);
    const jitter = Math.round(latency * (0.25 + random() * 0.25));
    return {
      toxics: (["upstream", "downstream"] as const).map((stream) => ({ name: `${name}-${stream}`, stream, toxic: { type: "latency", latency, jitter } })),
      description: `latency ${latency}±${jitter} ms each way on ${proxy}`,
    };
  }
  if (kind === "reset") {
    const timeout = Math.round(random() * 300);
    return { toxics: [{ name, stream: "upstream", toxic: { type: "reset_peer", timeout } }], description: `resets ${timeout} ms after data on ${proxy}` };
  }
  return { toxics: [{ name, stream: "upstream", toxic: { type: "timeout", timeout: 0 } }], description: `stall on ${proxy}` };
}

/** When a fault was in place, in the clients' history clock. */
export interface LinkFaultWindow {
  fault: LinkFault;
  /** CLOCK_MONOTONIC ns (as the histories' `time`) once its toxics were added. */
  startNs: number;
  /** CLOCK_MONOTONIC ns once they were removed. */
  endNs: number;
}


/**
 * Runs `plan` on `toxiproxy` from now: adds each fault's toxics at its
 * time and removes them `forMs` later, faults overlapping as planned;
 * resolves at `ms` into the schedule with every toxic removed, with when
 * each fault was in place.
 */
export async function runLinkFaults(toxiproxy: Toxiproxy, plan: readonly LinkFault[], opts: { ms: number }): Promise<LinkFaultWindow[]> {
  const until = scheduleClock();
  const added = new Set<LinkFault>();
  let ended = false;
  const one = async (f: LinkFault): Promise<LinkFaultWindow | undefined> => {
    await until(f.at);
    if (ended) {
      return undefined; // another fault failed: the schedule is over
    }
    added.add(f);
    for (const t of f.toxics) {
      await toxiproxy.addToxic(f.link.proxy, t);
    }
    const startNs = monotonicNs();
    await until(f.at + f.forMs);
    await remove(f);
    return { fault: f, startNs, endNs: monotonicNs() };
  };
  const remove = async (f: LinkFault) => {
    if (!added.delete(f)) {
      return;
    }
    const present = new Set(await toxiproxy.toxics(f.link.proxy));
    for (const t of f.toxics.filter((t) => present.has(t.name))) {
      await toxiproxy.removeToxic(f.link.proxy, t.name);
    }
  };
  try {
    const windows = await Promise.all(plan.map(one));
    await until(opts.ms);
    return windows.filter((w) => w !== undefined);
  } finally {
    ended = true;
    await Promise.allSettled([...added].map(remove));
  }
}
