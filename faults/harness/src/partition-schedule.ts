/**
 * Seeded network partitions of test hosts (NetHosts) and their execution:
 * a minority of the replicas (with some clients) cut away from the rest; a
 * bridge partition, two halves that cannot reach each other while one
 * replica reaches both; one client–replica link cut alone; the replica
 * that leads (a Paxos leader, found when the partition starts) cut from
 * every other host. One partition at a time, each healed before the next;
 * the plan (kinds, sides, times) is a function of the seed, the timing of a
 * loaded machine still varies.
 */
import type { Link, NetHosts } from "./net-hosts.js";
import { rng } from "./rng.js";
import { monotonicNs, scheduleClock } from "./schedule-clock.js";

/**
 * What a partition cuts. A "leader" partition is planned without links: the
 * test finds the replica that leads when it starts (`runPartitions`'
 * `resolve`) and cuts it from every other host (`isolate`).
 */
export type PartitionKind = "minority" | "bridge" | "link" | "leader";

/** One planned partition: at `at` ms into the schedule, `links` cut for `forMs`. */
export interface Partition {
  at: number;
  forMs: number;
  kind: PartitionKind;
  /** Both directions of each link are cut. */
  links: Link[];
  /** The sides, for messages: "{r1,r2,c3} | {r3,r4,r5,c1,c2}". */
  description: string;
}

/** The hosts and length of a schedule. */
export interface PartitionPlanOptions {
  /** The replicas' host names (a partition keeps a majority of them together). */
  replicas: readonly string[];
  /** The clients' host names. */
  clients: readonly string[];
  /** The plan ends this many ms in: every partition is healed by then. */
  ms: number;
  /** The kinds, shuffled by the seed and repeated (default minority, bridge, link); a kind named twice comes twice as often. */
  kinds?: readonly PartitionKind[];
}

/** The partitions of a schedule last this long (ms). */
export const PARTITION_MS = { min: 1000, max: 2500 };
/** Between two partitions every link is up this long (ms): time for the clients to recover. */
export const HEALED_MS = { min: 1000, max: 2000 };

/**
 * The partition schedule of a seed: the kinds in a seeded order, repeated;
 * each partition 1–2.5 s, then 1–2 s healed; the first 1–1.5 s in.
 * Sides: a minority partition cuts ⌊(n−1)/2⌋ replicas and some clients
 * (at least one, not all) from the rest; a bridge partition splits the
 * other replicas in two halves, each with some clients (at least one each
 * when there are two), that reach the bridge replica but not each other; a
 * link cut is one client–replica link. Client–client pairs are never cut
 * (clients do not talk to each other).
 */
export function planPartitions(seed: number, opts: PartitionPlanOptions): Partition[] {
  const random = rng(seed);
  const between = (r: { min: number; max: number }) => r.min + random() * (r.max - r.min);
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  const kinds = shuffle<PartitionKind>(opts.kinds ?? ["minority", "bridge", "link"]);
  const plan: Partition[] = [];
  for (let at = 1000 + random() * 500, i = 0; ; i++) {
    const forMs = between(PARTITION_MS);
    if (at + forMs > opts.ms) {
      break;
    }
    const kind = kinds[i % kinds.length] as PartitionKind;
    plan.push({ at: Math.round(at), forMs: Math.round(forMs), kind, ...sides(kind, opts, shuffle, random) });
    at += forMs + between(HEALED_MS);
  }
  return plan;
}

function sides(kind: PartitionKind, { replicas, clients }: PartitionPlanOptions, shuffle: <T>(xs: readonly T[]) => T[], random: () => number): Pick<Partition, "links" | "description"> {
  const rs = shuffle(replicas);
  const cs = shuffle(clients);
  if (kind === "leader") {
    return { links: [], description: "the leader (found when cut) from every other host" };
  }
  if (kind === "link") {
    const c = cs[0];
    const r = rs[0];
    if (c === undefined || r === undefined) {
      return { links: [], description: "no client–replica link to cut" };
    }
    return { links: [[c, r]], description: `link ${c}–${r}` };
  }
  // The clients of side A: at least one, and not all unless there is one (then it stays with the majority).
  const clientsOfA = cs.length <= 1 ? 0 : 1 + Math.floor(random() * (cs.length - 1));
  const cA = cs.slice(0, clientsOfA);
  const cB = cs.slice(clientsOfA);
  const show = (hs: readonly string[]) => `{${[...hs].sort().join(",")}}`;
  if (kind === "minority") {
    const small = Math.floor((rs.length - 1) / 2);
    const a = [...rs.slice(0, small), ...cA];
    const b = [...rs.slice(small), ...cB];
    return { links: across(a, b, clients), description: `minority ${show(a)} | ${show(b)}` };
  }
  const [bridge, ...rest] = rs;
  const half = Math.floor(rest.length / 2);
  const a = [...rest.slice(0, half), ...cA];
  const b = [...rest.slice(half), ...cB];
  return { links: across(a, b, clients), description: `bridge ${bridge ?? "?"} between ${show(a)} and ${show(b)}` };
}

/** The links that cut host `h` from every other host of `hosts`. */
export function isolate(h: string, hosts: readonly string[]): Link[] {
  return hosts.filter((x) => x !== h).map((x): Link => [h, x]);
}

/** Every link from a host of `a` to one of `b`, but none between two clients. */
function across(a: readonly string[], b: readonly string[], clients: readonly string[]): Link[] {
  const client = new Set(clients);
  return a.flatMap((x) => b.filter((y) => !(client.has(x) && client.has(y))).map((y): Link => [x, y]));
}

/** When a partition was in place, in the clients' history clock. */
export interface PartitionWindow {
  partition: Partition;
  /** CLOCK_MONOTONIC ns (as the histories' `time`) once its links were cut. */
  startNs: number;
  /** CLOCK_MONOTONIC ns once they were healed. */
  endNs: number;
}


/**
 * Runs `plan` on `net` from now: cuts each partition's links at its time,
 * heals them `forMs` later; resolves at `ms` into the schedule with every
 * link healed, with when each partition was in place. `cancelled` is
 * checked before each partition: true skips the rest. `resolve`, when
 * given, is called as a partition is due and gives the partition to cut
 * instead (a "leader" partition's links, found then); the windows hold
 * what was cut.
 */
export async function runPartitions(
  net: NetHosts,
  plan: readonly Partition[],
  opts: { ms: number; cancelled?: () => boolean; resolve?: (p: Partition) => Partition | Promise<Partition> },
): Promise<PartitionWindow[]> {
  const until = scheduleClock();
  const windows: PartitionWindow[] = [];
  try {
    for (const planned of plan) {
      await until(planned.at);
      if (opts.cancelled?.() === true) {
        break;
      }
      const p = (await opts.resolve?.(planned)) ?? planned;
      await net.cut(p.links);
      const startNs = monotonicNs();
      await until(p.at + p.forMs);
      await net.heal(p.links);
      windows.push({ partition: p, startNs, endNs: monotonicNs() });
    }
    await until(opts.ms);
  } finally {
    await net.heal();
  }
  return windows;
}
