/**
 * Client peers across languages: a server calls back the clients that dialed
 * it announcing `gorums-node-id: 0` (Go's NewConfig WithServer; ours with
 * ManagerOptions.server), through its ClientConfig(): quorum calls, multicast
 * and an rpc to one of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClient, startServer } from "./helpers/cluster.js";
import { goPeerBuilt, type Lang, type Peer, stopAllPeers } from "./helpers/peers.js";

/** Node IDs a server assigns to client peers start here (Go's clientIDStart, our CLIENT_ID_BASE). */
const CLIENT_ID_BASE = 1 << 20;

const pairs: Array<[Lang, Lang]> = [
  ["go", "ts"],
  ["ts", "go"],
  ["ts", "ts"],
  ["go", "go"],
];

describe.skipIf(!goPeerBuilt).each(pairs)("a %s server calls back %s client peers", (serverLang, clientLang) => {
  let server: Peer;
  let clients: Peer[];

  beforeAll(async () => {
    const s = await startServer(serverLang);
    server = s.peer;
    const addrs = new Map([[1, s.addr]]);
    clients = [await startClient(clientLang, addrs, ["--serve"]), await startClient(clientLang, addrs, ["--serve"]), await startClient(clientLang, addrs)];
    // The third client serves nothing and announces nothing: untracked, as in Go.
    for (const c of clients) {
      await c.ok({ op: "readRPC", node: 1, key: "warm-up" });
    }
    await server.waitIDs("clients", [CLIENT_ID_BASE, CLIENT_ID_BASE + 1]);
  }, 60_000);
  afterAll(stopAllPeers);

  it("the client peers get IDs from 1<<20; a plain client is not one", async () => {
    expect((await server.ok({ op: "config", target: "clients" })).ids).toEqual([CLIENT_ID_BASE, CLIENT_ID_BASE + 1]);
    expect((await clients[2]?.ok({ op: "readRPC", node: 1, key: "peer" }))?.reply?.value).toBe("0");
    const seen = await Promise.all(clients.slice(0, 2).map((c) => c.ok({ op: "readRPC", node: 1, key: "peer" })));
    expect(seen.map((r) => r.reply?.value).sort()).toEqual([String(CLIENT_ID_BASE), String(CLIENT_ID_BASE + 1)]);
  });

  it("a quorum call over ClientConfig() writes and reads on every client peer", async () => {
    expect((await server.ok({ op: "writeQC", target: "clients", key: "k", value: "from-server", ts: 4, quorum: "all" })).reply).toEqual({ new: true });
    expect((await server.ok({ op: "readQC", target: "clients", key: "k", quorum: "all" })).reply).toEqual({ ok: true, value: "from-server", ts: 4 });
  });

  it("a multicast over ClientConfig() reaches every client peer", async () => {
    await server.ok({ op: "writeMulticast", target: "clients", key: "m", value: "mc", ts: 1 });
    await expect.poll(async () => (await server.ok({ op: "readQC", target: "clients", key: "m", quorum: "all" })).reply?.value, { timeout: 5000 }).toBe("mc");
  });

  it("an rpc to one client peer, with per-message metadata (a Go client peer's handler does not see it)", async () => {
    const r = await server.ok({ op: "readRPC", target: "clients", node: CLIENT_ID_BASE + 1, key: "metadata:x-call", metadata: { "x-call": "back" } });
    // Go serves calls that come back on a stream it dialed with the stream's
    // context only: no per-message entries (go-gorums-behaviors.md §16).
    expect(r.reply?.value).toBe(clientLang === "go" ? "" : "back");
  });

  it("a client peer that leaves (its process killed) leaves ClientConfig()", async () => {
    await clients[1]?.kill("SIGKILL");
    await server.waitIDs("clients", [CLIENT_ID_BASE]);
    expect((await server.ok({ op: "readQC", target: "clients", key: "k", quorum: "all" })).reply?.value).toBe("from-server");
  });
});
