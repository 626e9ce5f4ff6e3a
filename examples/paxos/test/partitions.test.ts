/**
 * The Paxos log across test hosts under network partitions that isolate
 * the leader, checked for linearizability by Porcupine (faults/checker, kv
 * model): three replicas and three key-value clients, each in a network
 * namespace of its own (faults/harness NetHosts), while a seeded schedule
 * cuts links silently (packets dropped, TCP connections left open) and
 * heals them: the replica that leads when the partition starts (the one
 * that printed the highest ballot in a "leading" line) cut from every other
 * host, most often; or a minority partition, one replica and some clients
 * cut from the rest. One partition at a time, 1–2.5 s each, 1–2 s healed in
 * between. The clients run random puts and gets through the log (each
 * Submit with a 500 ms deadline, then the next replica, the same command
 * again until 1500 ms, then its outcome is unknown; HTTP/2 keepalive every
 * 500 ms), following the leader. Then the histories of all clients together must be linearizable,
 * every isolation of a leader must have seen another replica take the
 * lead, and the figures are printed: during each kind of partition the
 * success rate of the clients that reached a majority and of the others,
 * and after each heal how long until every client succeeded again.
 *
 * Needs root and `ip netns` (skipped with a loud message otherwise), and go.
 * GORUMS_PAXOS_PARTITION_SEED sets the seed (default 5: leader, minority, leader),
 * GORUMS_PAXOS_PARTITION_MS the length of the schedule (default 10,000 ms).
 */
import { join } from "node:path";
import {
  failureReasons,
  finishPartitionRun,
  formatCheck,
  formatLiveness,
  formatPartitionFigures,
  formatWindows,
  hostPlacement,
  isolate,
  livenessFigures,
  type PartitionKind,
  partitionFigures,
  planPartitions,
  runChecker,
  runPartitions,
  skipPartitionTest,
  useCheckerDir,
  usePartitionRun,
} from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { paxosReplicas, startKvClient } from "./replica-process.js";

const SEED = Number(process.env.GORUMS_PAXOS_PARTITION_SEED ?? 5);
const PARTITION_MS = Number(process.env.GORUMS_PAXOS_PARTITION_MS ?? 10_000);
const N = 3;
const CLIENTS = 3;
/** The leader is isolated twice as often as a minority is cut. */
const KINDS: readonly PartitionKind[] = ["leader", "minority", "leader"];
/** The clients go on this long after the schedule ends, with every link up. */
const TAIL_MS = 3000;
/** A client gives up on a replica after this long and submits to the next (the leader may be cut away). */
const SUBMIT_TIMEOUT_MS = 500;
/**
 * A client gives up on a command after this long (its outcome is then
 * unknown): shorter than most partitions, so that a client cut from a
 * majority leaves puts of unknown outcome, which may take effect after the
 * heal, for the checker.
 */
const DEADLINE_MS = 1500;
/** Every replica listens on this port of its own address. */
const PORT = 7000;
const CHECK_TIMEOUT_S = Math.max(60, Math.round(PARTITION_MS / 1000));
const REPLICAS = Array.from({ length: N }, (_, i) => `r${i + 1}`);
const CLIENT_HOSTS = Array.from({ length: CLIENTS }, (_, i) => `c${i + 1}`);
const plan = () => planPartitions(SEED, { replicas: REPLICAS, clients: CLIENT_HOSTS, ms: PARTITION_MS, kinds: KINDS });

const SKIP = skipPartitionTest("paxos partitions");

describe("the leader-isolation schedule of a seed", () => {
  it("isolates the leader, and cuts a minority, each at least once, one partition at a time", () => {
    const p = plan();
    expect(p.length).toBeGreaterThanOrEqual(Math.min(3, Math.floor(PARTITION_MS / 4500)));
    expect(new Set(p.map((x) => x.kind))).toEqual(new Set(p.length >= 3 ? ["leader", "minority"] : p.map((x) => x.kind)));
    expect(p.filter((x) => x.kind === "leader").every((x) => x.links.length === 0)).toBe(true);
    p.forEach((x, i) => expect(x.at + x.forMs, x.description).toBeLessThan(p[i + 1]?.at ?? PARTITION_MS + 1));
    expect(isolate("r2", [...REPLICAS, ...CLIENT_HOSTS])).toEqual(["r1", "r3", "c1", "c2", "c3"].map((h) => ["r2", h]));
    expect(plan()).toEqual(p);
  });
});

describe.skipIf(SKIP)("Paxos on test hosts (network namespaces) with the leader isolated, checked by Porcupine", () => {
  const tmp = useCheckerDir("paxos-partitions-");
  const run = usePartitionRun();

  it(
    `seed ${SEED}, ${PARTITION_MS} ms of partitions: the history of every client is linearizable`,
    { timeout: PARTITION_MS + TAIL_MS + CHECK_TIMEOUT_S * 1000 + 60_000 },
    async () => {
      const { dir, checker } = tmp;
      const t0 = performance.now();
      const hosts = await run.createHosts([...REPLICAS, ...CLIENT_HOSTS]);
      const paxos = await paxosReplicas(N, {
        stateRoot: join(dir, "state"),
        placement: hostPlacement(hosts, REPLICAS, PORT),
      });
      const set = paxos.set;
      run.replicas = set;
      await Promise.all(set.ids.map((id) => set.start(id)));

      const histories = CLIENT_HOSTS.map((c) => join(dir, `history-${c}.jsonl`));
      const clients = CLIENT_HOSTS.map((c, i) =>
        startKvClient(
          ["--replicas", set.replicaList, "--id", String(i + 1), "--history", histories[i] as string, "--duration-ms", String(PARTITION_MS + TAIL_MS), "--timeout-ms", String(SUBMIT_TIMEOUT_MS), "--deadline-ms", String(DEADLINE_MS), "--keepalive-ms", "500"],
          hosts.exec(c),
        ),
      );
      run.clients = clients;
      await Promise.all(clients.map((c) => c.ready));

      const all = [...REPLICAS, ...CLIENT_HOSTS];
      const windows = await runPartitions(hosts, plan(), {
        ms: PARTITION_MS,
        resolve: (p) => {
          if (p.kind !== "leader") {
            return p;
          }
          const leader = `r${paxos.leader() ?? 1}`;
          return { ...p, links: isolate(leader, all), description: `leader ${leader} isolated${paxos.leader() === undefined ? " (no leader yet: r1)" : ""}` };
        },
      });
      const results = await Promise.all(clients.map((c) => c.done));
      const { alive, namespacesLeft } = await finishPartitionRun(run);
      expect(alive, "replica processes left running").toEqual([]);
      expect(namespacesLeft, "namespaces left behind").toEqual([]);

      const check = await runChecker(checker, histories, { model: "kv", htmlPath: join(dir, "violation.html"), timeoutS: CHECK_TIMEOUT_S });
      const liveness = livenessFigures(histories);
      const figures = partitionFigures(histories, windows, { replicas: REPLICAS, clients: new Map(CLIENT_HOSTS.map((c, i) => [c, i + 1])) });
      // While a leader was isolated, another replica took the lead.
      const takeovers = windows
        .filter((w) => w.partition.kind === "leader")
        .map((w) => {
          const isolated = Number(w.partition.links[0]?.[0].slice(1));
          const next = paxos.leadings.find((l) => l.timeNs > w.startNs && l.timeNs < w.endNs && l.node !== isolated);
          return { w, isolated, next, ms: next === undefined ? undefined : (next.timeNs - w.startNs) / 1e6 };
        });
      const summary =
        `seed ${SEED}: ${windows.length} partitions (${windows.map((w) => w.partition.kind).join(", ")}); ${formatLiveness(liveness)}; ` +
        `${formatCheck(check)}; ${Math.round(performance.now() - t0)} ms`;
      console.log(
        `paxos partitions: ${summary}\n${formatPartitionFigures(figures)}\n` +
          `a new leader after an isolation: ${takeovers.map((t) => (t.ms === undefined ? `none while r${t.isolated} was cut` : `r${t.next?.node} ${Math.round(t.ms)} ms after r${t.isolated} was cut`)).join("; ")}\n` +
          `${formatWindows(windows)}${failureReasons(results, "why Submits failed (per client)")}`,
      );
      if (check.linearizable !== true) {
        tmp.keep();
      }

      expect(results.map((r) => r.code), `${summary}\n${results.map((r) => r.stderr).join("\n")}`).toEqual(results.map(() => 0));
      expect(set.unexpectedExits, summary).toEqual([]);
      expect(check.linearizable, `${summary}\n${check.output}\nhistories and visualization kept in ${dir}`).toBe(true);
      expect(windows.length, summary).toBe(plan().length);
      expect(takeovers.length, summary).toBeGreaterThan(0);
      expect(takeovers.filter((t) => t.next === undefined).map((t) => t.w.partition.description), summary).toEqual([]);
      for (const k of Object.values(figures.byKind).filter((k) => k.partitions > 0)) {
        expect(k.majority.ok, summary).toBeGreaterThan(0);
      }
      expect(figures.heals.at(-1)?.recoveryMs, `${summary}\n${formatPartitionFigures(figures)}`).toBeDefined();
    },
  );
});
