/**
 * Liveness figures of a partition run, from the clients' JSON-lines
 * histories and the windows in which each partition was in place: the
 * success rate of the clients that could reach a majority of the replicas
 * during a partition and of those that could not, and, after each heal,
 * how long until every client had a successful operation again.
 */
import { type HistoryLine, readHistoryLines } from "./history-stats.js";
import type { PartitionKind, PartitionWindow } from "./partition-schedule.js";

/** Operations invoked while partitions were in place, by one group of clients. */
export interface SideCount {
  operations: number;
  ok: number;
}

/** One heal. */
export interface HealFigure {
  description: string;
  /** From the heal to the first successful completion of the client that recovered last (ms); undefined: some client had none before the next partition (or the end). */
  recoveryMs: number | undefined;
}

/** The figures of a partition run. */
export interface PartitionFigures {
  /** Per kind of partition: clients that reached a majority of the replicas, and those that did not. */
  byKind: Record<PartitionKind, { majority: SideCount; minority: SideCount; partitions: number }>;
  heals: HealFigure[];
  /** The longest `recoveryMs` (undefined if some client did not recover before the next partition). */
  longestRecoveryMs: number | undefined;
}

/** Who the clients are, to tell which side of a partition each was on. */
export interface PartitionSides {
  /** The replicas' host names. */
  replicas: readonly string[];
  /** A client's host name → its process number in the histories. */
  clients: ReadonlyMap<string, number>;
}

/** Whether client `c` reaches a majority of the replicas while `w`'s links are cut. */
function reachesMajority(c: string, w: PartitionWindow, replicas: readonly string[]): boolean {
  const cut = new Set(w.partition.links.map(([a, b]) => `${a} ${b}`));
  const reached = replicas.filter((r) => !cut.has(`${c} ${r}`) && !cut.has(`${r} ${c}`)).length;
  return reached > replicas.length / 2;
}

/** Computes the figures. */
export function partitionFigures(paths: readonly string[], windows: readonly PartitionWindow[], sides: PartitionSides): PartitionFigures {
  const lines = readHistoryLines(paths);
  const ends = new Map(lines.filter((l) => l.type !== "invoke").map((l) => [l.id, l]));
  const invokes = lines.filter((l) => l.type === "invoke");
  const oks: HistoryLine[] = [...ends.values()].filter((l) => l.type === "ok").sort((a, b) => a.time - b.time);
  const empty = () => ({ majority: { operations: 0, ok: 0 }, minority: { operations: 0, ok: 0 }, partitions: 0 });
  const byKind: PartitionFigures["byKind"] = { minority: empty(), bridge: empty(), link: empty(), leader: empty() };
  const heals: HealFigure[] = [];
  const lastTime = Math.max(0, ...lines.map((l) => l.time));
  windows.forEach((w, i) => {
    const kind = byKind[w.partition.kind];
    kind.partitions++;
    for (const [host, p] of sides.clients) {
      const side = reachesMajority(host, w, sides.replicas) ? kind.majority : kind.minority;
      for (const inv of invokes) {
        if (inv.process === p && inv.time >= w.startNs && inv.time < w.endNs) {
          side.operations++;
          side.ok += ends.get(inv.id)?.type === "ok" ? 1 : 0;
        }
      }
    }
    const next = windows[i + 1]?.startNs ?? lastTime + 1;
    let recovered = 0;
    for (const p of sides.clients.values()) {
      const first = oks.find((l) => l.process === p && l.time > w.endNs);
      if (first === undefined || first.time >= next) {
        heals.push({ description: w.partition.description, recoveryMs: undefined });
        return;
      }
      recovered = Math.max(recovered, first.time - w.endNs);
    }
    heals.push({ description: w.partition.description, recoveryMs: recovered / 1e6 });
  });
  const longest = heals.some((h) => h.recoveryMs === undefined) ? undefined : Math.max(0, ...heals.map((h) => h.recoveryMs ?? 0));
  return { byKind, heals, longestRecoveryMs: longest };
}

/** The figures as lines for a test's output. */
export function formatPartitionFigures(f: PartitionFigures): string {
  const rate = (s: SideCount) => (s.operations === 0 ? "no operations" : `${s.ok}/${s.operations} ok (${((100 * s.ok) / s.operations).toFixed(1)}%)`);
  const kinds = (Object.entries(f.byKind) as Array<[PartitionKind, PartitionFigures["byKind"][PartitionKind]]>)
    .filter(([, k]) => k.partitions > 0)
    .map(([name, k]) => `${name} (${k.partitions}): clients reaching a majority ${rate(k.majority)}, clients cut from a majority ${rate(k.minority)}`);
  const heals = f.heals.map((h) => `${h.recoveryMs === undefined ? "not recovered before the next partition" : `${Math.round(h.recoveryMs)} ms`} after ${h.description}`);
  return [
    ...kinds,
    `after a heal, every client succeeded again within: ${heals.join("; ")}`,
    `longest recovery: ${f.longestRecoveryMs === undefined ? "some client did not recover" : `${Math.round(f.longestRecoveryMs)} ms`}`,
  ].join("\n");
}
