/**
 * A replica cut away silently does not slow the others down: with replica
 * 3 cut from every other host (NetHosts: its packets dropped, its
 * connections left open), nothing written to it is acknowledged, so after
 * some 64 KB (HTTP/2's flow-control window, and TCP's) nothing more can be
 * written to it. A client then puts values of 4 KB through replica 1, each
 * Submit with a 1500 ms deadline: every one must be answered, by a majority
 * of replicas 1 and 2. A proposer that waited for each slot's Learn
 * multicast to be written to every replica would wait for replica 3 until
 * the multicast's deadline (2000 ms) once the window is full.
 */
import { join } from "node:path";
import { hostPlacement, isolate, skipPartitionTest, useCheckerDir, usePartitionRun } from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { paxosReplicas, startKvClient } from "./replica-process.js";

const COMMANDS = 40;
const VALUE = "v".repeat(4096);
const REPLICAS = ["r1", "r2", "r3"];

describe.skipIf(skipPartitionTest("paxos cut replica"))("a replica cut away silently", () => {
  const tmp = useCheckerDir("paxos-cut-replica-", { build: false });
  const run = usePartitionRun();

  it(`does not hold up the leader: ${COMMANDS} puts of 4 KB are answered by the other two`, { timeout: 90_000 }, async () => {
    const hosts = await run.createHosts([...REPLICAS, "c1"]);
    const { set } = await paxosReplicas(3, { stateRoot: join(tmp.dir, "state"), placement: hostPlacement(hosts, REPLICAS, 7000) });
    run.replicas = set;
    await Promise.all(set.ids.map((id) => set.start(id)));
    await hosts.cut(isolate("r3", hosts.hosts));
    const ops = Array.from({ length: COMMANDS }, (_, i) => `k${i % 3}=${i}-${VALUE}`);
    const client = startKvClient(["--replicas", set.replicaList, "--timeout-ms", "1500", "--deadline-ms", "1500", ...ops], hosts.exec("c1"));
    run.clients = [client];
    const done = await client.done;
    const answered = done.stdout.split("\n").filter((l) => / -> "/.test(l)).length;
    expect({ code: done.code, answered }, done.stdout.replace(/v{4096}/g, "v…").slice(0, 4000)).toEqual({ code: 0, answered: COMMANDS });
  });
});
