/**
 * A call's end against Go (issue 14): our calls carry their time left in the
 * `gorums-timeout` entry, which a Go server sees as plain metadata and
 * ignores; quorum calls that end early (a satisfied `first()`, a deadline)
 * send no cancel to Go servers — a cancel would reach a Go handler as one
 * more request, and the counts below would show it — and the Go servers go
 * on serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClient, startServer } from "./helpers/cluster.js";
import { goPeerBuilt, type Peer, stopAllPeers } from "./helpers/peers.js";

describe.skipIf(!goPeerBuilt)("a TS client's call lifetime against Go servers", () => {
  let client: Peer;

  beforeAll(async () => {
    const servers = await Promise.all([1, 2, 3].map(() => startServer("go")));
    client = await startClient("ts", new Map(servers.map((s, i) => [i + 1, s.addr])));
  }, 60_000);
  afterAll(stopAllPeers);

  const readQCs = async () =>
    Promise.all([1, 2, 3].map(async (node) => Number((await client.ok({ op: "readRPC", node, key: "count:proto.Storage.ReadQC" })).reply?.value)));

  it("the time left reaches a Go handler as an ordinary metadata entry", async () => {
    const r = await client.ok({ op: "readRPC", node: 1, key: "metadata:gorums-timeout", timeoutMs: 4000 });
    expect(r.reply?.value).toBe("4000m");
  });

  it("a first() that leaves two Go servers working sends them no cancel", async () => {
    expect(await readQCs()).toEqual([0, 0, 0]);
    const r = await client.ok({ op: "readQC", key: "sleep:300", quorum: "first", timeoutMs: 5000 });
    expect(r.reply?.value).toBe("slept");
    await new Promise((resolve) => setTimeout(resolve, 500)); // every handler is done by now
    expect(await readQCs()).toEqual([1, 1, 1]);
  });

  it("a quorum call whose deadline passes sends no cancel either, and the servers go on", async () => {
    const r = await client.run({ op: "readQC", key: "sleep:600", quorum: "all", timeoutMs: 150 });
    expect(r.ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await readQCs()).toEqual([2, 2, 2]);
    expect((await client.ok({ op: "writeQC", key: "after", value: "v", ts: 1, quorum: "all" })).reply).toEqual({ new: true });
  });
});
