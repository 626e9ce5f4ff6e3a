/**
 * Known peers named by DNS name (a StatefulSet's `replica-2.replicas:9080`):
 * the host check compares the connection's address with what the name
 * resolves to, through InboundManagerOptions.lookup (default dns.lookup). A
 * Go-style stream (`gorums-node-id: 2` only) from 127.0.0.1 is peer 2 when
 * its name resolves to 127.0.0.1, and refused when it does not; a System
 * listed by name (its `gorums-addr` is the name) is accepted through
 * SystemOptions.lookup.
 */
import { describe, expect, it } from "vitest";
import { InboundManager, newConfig, newSymmetricSystem, quorumCall, rpcCall, Server, type System, twoWayHandler, withNodes } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { registerTestService, cleanup } from "../helpers/test-servers.js";
import { freePorts, newState } from "./helpers.js";
import { waitUntil } from "../helpers/wait.js";

describe("known peers by DNS name", () => {

  async function dialAsPeer2(resolvesTo: string[]): Promise<{ inbound: InboundManager; error?: unknown }> {
    const inbound = new InboundManager(1, withNodes({ 1: "127.0.0.1:1", 2: "replica-2.replicas:9080" }), {
      lookup: async (host) => (host === "replica-2.replicas" ? resolvesTo : []),
    });
    const server = new Server({ inboundManager: inbound });
    server.registerHandler("testsvc.TestService.Echo", twoWayHandler(TestService.method.echo, (_ctx, req) => ({ value: req.value })));
    const addr = await server.listen("127.0.0.1:0");
    cleanup(() => server.stop());
    const config = newConfig(withNodes({ 1: addr }), { metadata: { "gorums-node-id": "2" } });
    cleanup(() => config.close());
    try {
      await quorumCall(config.context({ timeoutMs: 2000 }), TestService.method.echo, { value: "hi" }).all();
      return { inbound };
    } catch (error) {
      return { inbound, error };
    }
  }

  it("accepts the peer when its name resolves to the connection's address", async () => {
    const { inbound, error } = await dialAsPeer2(["10.1.2.3", "127.0.0.1"]);
    expect(error).toBeUndefined();
    expect(inbound.inboundConfig().nodeIDs()).toEqual([1, 2]);
  });

  it("refuses the peer when its name resolves elsewhere", async () => {
    const { inbound, error } = await dialAsPeer2(["10.1.2.3"]);
    expect(String(error)).toMatch(/claims host replica-2.replicas/);
    expect(inbound.inboundConfig().nodeIDs()).toEqual([1]);
  });

  it("a System listed by name is accepted by a System whose lookup resolves the name to 127.0.0.1", async () => {
    const [p1, p2] = (await freePorts(2)) as [number, number];
    const peers = withNodes({ 1: `127.0.0.1:${p1}`, 2: `replica-2.replicas:${p2}` });
    const lookedUp: string[] = [];
    const systems: System[] = [];
    cleanup(() => Promise.all(systems.map((s) => s.stop())));
    const lookup = async (host: string) => {
      lookedUp.push(host);
      return host === "replica-2.replicas" ? ["127.0.0.1"] : [];
    };
    for (const [addr, id] of [[`127.0.0.1:${p1}`, 1], [`127.0.0.1:${p2}`, 2]] as const) {
      const system = await newSymmetricSystem(addr, id, peers, id === 1 ? { lookup } : {});
      systems.push(system);
      system.registerService((srv) => registerTestService(srv, newState(), id));
      await system.serve();
    }
    const [r1, r2] = systems as [System, System];
    const toR1 = r2.newOutboundConfig(withNodes({ 1: `127.0.0.1:${p1}` }));
    const reply = await rpcCall(toR1.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "hi" });
    expect(reply.value).toBe("echo: hi");
    await waitUntil(() => r1.inboundConfig().size === 2, "replica 2 in replica 1's inboundConfig");
    expect(r1.inboundConfig().nodeIDs()).toEqual([1, 2]);
    expect(lookedUp).toContain("replica-2.replicas");
  });
});
