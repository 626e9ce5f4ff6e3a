/**
 * Identity across languages: a Go replica announcing `gorums-node-id` alone
 * is identified by it (with the host check against its known address); a Go
 * client with ID 0 is a client peer; a stream that claims a known peer's ID
 * from another host is refused by our side with PERMISSION_DENIED, while Go
 * serves it as an untracked client (Go trusts `gorums-node-id` and ignores
 * unknown positive IDs).
 */
import { describe, expect, it } from "vitest";
import { freePorts } from "../../packages/runtime/test/symmetric/helpers.js";
import { startClient, startReplicas, startServer } from "./helpers/cluster.js";
import { goPeerBuilt, type Lang, nodeList } from "./helpers/peers.js";

describe.skipIf(!goPeerBuilt)("identity between Go and TS replicas", () => {
  it("each side knows the other by its node ID (Go sends gorums-node-id alone)", async () => {
    const mesh = await startReplicas(["go", "ts"]);
    const go = mesh.byID.get(1);
    const ts = mesh.byID.get(2);
    // Calls on each side's own dialed stream: the handler says who called.
    expect((await go?.ok({ op: "readRPC", target: "outbound", node: 2, key: "peer" }))?.reply?.value).toBe("1");
    expect((await ts?.ok({ op: "readRPC", target: "outbound", node: 1, key: "peer" }))?.reply?.value).toBe("2");
    // And on the streams the other side dialed (Config()/inboundConfig()).
    expect((await go?.ok({ op: "readRPC", target: "config", node: 2, key: "peer" }))?.reply?.value).toBe("1");
    expect((await ts?.ok({ op: "readRPC", target: "config", node: 1, key: "peer" }))?.reply?.value).toBe("2");
  }, 60_000);

  it.each<[Lang, Lang]>([
    ["go", "ts"],
    ["ts", "go"],
  ])("a %s client with ID 0 is a client peer of a %s replica", async (clientLang, serverLang) => {
    const mesh = await startReplicas([serverLang]);
    const client = await startClient(clientLang, mesh.addrs, ["--serve"]);
    expect((await client.ok({ op: "readRPC", node: 1, key: "peer" })).reply?.value).toBe(String(1 << 20));
    await mesh.byID.get(1)?.waitIDs("clients", [1 << 20]);
  }, 60_000);
});

describe.skipIf(!goPeerBuilt)("a client that claims a known peer's ID from another host", () => {
  /** A server whose known peer 2 lives on 127.0.0.2, and a client on 127.0.0.1 that claims to be node 2. */
  async function impostorAgainst(serverLang: Lang, clientLang: Lang) {
    const [port2] = await freePorts(1);
    const { peer: server, addr } = await startServer(serverLang, ["--id", "1", "--peers", nodeList(new Map([[1, "127.0.0.1:1"], [2, `127.0.0.2:${port2}`]]))]);
    const client = await startClient(clientLang, new Map([[1, addr]]), ["--node-id-header", "2"]);
    return { server, client };
  }

  it.each<Lang>(["go", "ts"])("is refused by a TS server with PERMISSION_DENIED (%s client)", async (clientLang) => {
    const { server, client } = await impostorAgainst("ts", clientLang);
    const r = await client.run({ op: "readRPC", node: 1, key: "peer", timeoutMs: 1500 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      // Refused streams end with PERMISSION_DENIED; a client that re-sends the call on new streams until its deadline reports that instead.
      expect([4, 7]).toContain(r.code);
    }
    expect(server.latestIDs("config")).toEqual([1]);
    expect(server.latestIDs("clients")).toEqual([]);
  }, 60_000);

  it.each<Lang>(["go", "ts"])("is taken for that peer by a Go server, which trusts gorums-node-id (%s client)", async (clientLang) => {
    const { server, client } = await impostorAgainst("go", clientLang);
    // Go registers a known ID on the stream without a host check: the claim is taken.
    const r = await client.ok({ op: "readRPC", node: 1, key: "peer" });
    expect(r.reply?.value).toBe("2");
    // The Go peer may answer before it prints the config event of that stream: wait for it.
    await server.waitIDs("config", [1, 2]);
  }, 60_000);
});
