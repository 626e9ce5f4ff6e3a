/**
 * The ABD register across test hosts under network partitions, checked for
 * linearizability by Porcupine (faults/checker): five replicas and three
 * clients, each in a network namespace of its own with its own address
 * (faults/harness NetHosts: 10.77.0.0/24, every packet forwarded by a hub
 * namespace), while a seeded schedule cuts links silently (packets dropped,
 * TCP connections left open) and heals them: a minority of the replicas
 * with some clients cut from the rest; a bridge partition, two halves that
 * reach one replica between them but not each other; one client–replica
 * link alone. One partition at a time, 1–2.5 s each, 1–2 s healed in
 * between. The clients run random reads and writes, each phase with a
 * 1000 ms deadline and HTTP/2 keepalive (a PING every 500 ms, a connection
 * dropped after 500 ms without an answer) so that a silent partition shows
 * as a lost connection. Then the histories of all clients together must be
 * linearizable, and the figures are printed: during each kind of partition
 * the success rate of the clients that reached a majority and of the
 * others, and after each heal how long until every client succeeded again.
 *
 * Needs root and `ip netns` (skipped with a loud message otherwise), and go.
 * GORUMS_REGISTER_PARTITION_SEED sets the seed (default 1),
 * GORUMS_REGISTER_PARTITION_MS the length of the schedule (default 15,000 ms),
 * GORUMS_REGISTER_PARTITION_KEEPALIVE_MS the clients' keepalive (default 500; 0: off).
 */
import { join } from "node:path";
import {
  finishPartitionRun,
  formatLiveness,
  formatPartitionFigures,
  formatWindows,
  hostPlacement,
  livenessFigures,
  partitionFigures,
  planPartitions,
  runPartitions,
  skipPartitionTest,
  usePartitionRun,
} from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { endCheckedRun, expectCheckedRun } from "./checked-run.js";
import { useCheckerDir } from "./checker-dir.js";
import { registerReplicas, startClient } from "./processes.js";

const SEED = Number(process.env.GORUMS_REGISTER_PARTITION_SEED ?? 1);
const PARTITION_MS = Number(process.env.GORUMS_REGISTER_PARTITION_MS ?? 15_000);
const N = 5;
const CLIENTS = 3;
/** The clients go on this long after the schedule ends, with every link up. */
const TAIL_MS = 3000;
/** Every replica listens on this port of its own address. */
const PORT = 7000;
/** The clients' keepalive (0: off, to see what a silent partition does without it). */
const KEEPALIVE_MS = Number(process.env.GORUMS_REGISTER_PARTITION_KEEPALIVE_MS ?? 500);
const CHECK_TIMEOUT_S = Math.max(60, Math.round(PARTITION_MS / 1000));
const REPLICAS = Array.from({ length: N }, (_, i) => `r${i + 1}`);
const CLIENT_HOSTS = Array.from({ length: CLIENTS }, (_, i) => `c${i + 1}`);

const SKIP = skipPartitionTest("register partitions");

describe("the partition schedule of a seed", () => {
  it("keeps a majority of the replicas with some client, lets every client of a bridge partition reach a majority, and cuts one link alone", () => {
    const plan = planPartitions(SEED, { replicas: REPLICAS, clients: CLIENT_HOSTS, ms: PARTITION_MS });
    expect(plan.length).toBeGreaterThanOrEqual(Math.min(3, Math.floor(PARTITION_MS / 4500)));
    expect(plan.every((p) => p.forMs <= 2500 && p.links.length > 0)).toBe(true);
    expect(plan.at(-1)?.at ?? 0).toBeLessThanOrEqual(PARTITION_MS);
    const reaches = (c: string, links: ReadonlyArray<readonly [string, string]>) =>
      REPLICAS.filter((r) => !links.some(([a, b]) => (a === c && b === r) || (a === r && b === c))).length;
    for (const p of plan) {
      const reaching = CLIENT_HOSTS.filter((c) => reaches(c, p.links) > N / 2);
      expect(p.links.some(([a, b]) => CLIENT_HOSTS.includes(a) && CLIENT_HOSTS.includes(b)), p.description).toBe(false);
      if (p.kind === "link") {
        expect(p.links, p.description).toHaveLength(1);
      } else if (p.kind === "bridge") {
        expect(reaching, p.description).toEqual(CLIENT_HOSTS);
      } else {
        expect(reaching.length, p.description).toBeGreaterThan(0);
        expect(reaching.length, p.description).toBeLessThan(CLIENTS);
      }
    }
    expect(planPartitions(SEED, { replicas: REPLICAS, clients: CLIENT_HOSTS, ms: PARTITION_MS })).toEqual(plan);
  });
});

describe.skipIf(SKIP)("ABD register on test hosts (network namespaces) under partitions, checked by Porcupine", () => {
  const tmp = useCheckerDir("register-partitions-");
  const run = usePartitionRun();

  it(
    `seed ${SEED}, ${PARTITION_MS} ms of partitions: the history of every client is linearizable`,
    { timeout: PARTITION_MS + TAIL_MS + CHECK_TIMEOUT_S * 1000 + 60_000 },
    async () => {
      const { dir } = tmp;
      const t0 = performance.now();
      const hosts = await run.createHosts([...REPLICAS, ...CLIENT_HOSTS]);
      const set = await registerReplicas(N, join(dir, "state"), hostPlacement(hosts, REPLICAS, PORT));
      run.replicas = set;
      await Promise.all(set.ids.map((id) => set.start(id)));

      const histories = CLIENT_HOSTS.map((c) => join(dir, `history-${c}.jsonl`));
      const clients = CLIENT_HOSTS.map((c, i) =>
        startClient(
          [
            "--replicas",
            set.replicaList,
            "--id",
            String(i + 1),
            "--history",
            histories[i] as string,
            "--duration-ms",
            String(PARTITION_MS + TAIL_MS),
            ...(KEEPALIVE_MS > 0 ? ["--keepalive-ms", String(KEEPALIVE_MS)] : []),
          ],
          hosts.exec(c),
        ),
      );
      run.clients = clients;
      await Promise.all(clients.map((c) => c.ready));

      const plan = planPartitions(SEED, { replicas: REPLICAS, clients: CLIENT_HOSTS, ms: PARTITION_MS });
      const windows = await runPartitions(hosts, plan, { ms: PARTITION_MS });
      const checked = await endCheckedRun(clients, set, tmp, histories, CHECK_TIMEOUT_S);
      const { alive, namespacesLeft } = await finishPartitionRun(run);
      expect(alive, "replica processes left running").toEqual([]);
      expect(namespacesLeft, "namespaces left behind").toEqual([]);

      const liveness = livenessFigures(histories);
      const figures = partitionFigures(histories, windows, { replicas: REPLICAS, clients: new Map(CLIENT_HOSTS.map((c, i) => [c, i + 1])) });
      const summary =
        `seed ${SEED}, keepalive ${KEEPALIVE_MS > 0 ? `${KEEPALIVE_MS} ms` : "off"}: ${windows.length} partitions (${windows.map((w) => w.partition.kind).join(", ")}); ${formatLiveness(liveness)}; ` +
        `${checked.verdict}; ${Math.round(performance.now() - t0)} ms`;
      console.log(`register partitions: ${summary}\n${formatPartitionFigures(figures)}\n${formatWindows(windows)}${checked.failures}`);

      expectCheckedRun(checked, set, tmp, summary);
      expect(windows.length, summary).toBe(plan.length);
      const kinds = new Set(windows.map((w) => w.partition.kind));
      expect(kinds.size, summary).toBe(Math.min(3, plan.length));
      // The clients that reached a majority went on; every client succeeded again after the last heal.
      const { minority, bridge, link } = figures.byKind;
      for (const k of [minority, bridge, link].filter((k) => k.partitions > 0)) {
        expect(k.majority.ok, summary).toBeGreaterThan(0);
      }
      expect(figures.heals.at(-1)?.recoveryMs, `${summary}\n${formatPartitionFigures(figures)}`).toBeDefined();
    },
  );
});
