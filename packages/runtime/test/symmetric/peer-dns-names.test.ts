/**
 * Known peers named by DNS name (a StatefulSet's `replica-2.replicas:9080`):
 * the host check compares the connection's address with what the name
 * resolves to, through InboundManagerOptions.lookup (default dns.lookup). A
 * Go-style stream (`gorums-node-id: 2` only) from 127.0.0.1 is peer 2 when
 * its name resolves to 127.0.0.1, and refused when it does not.
 */
import { afterEach, describe, expect, it } from "vitest";
import { InboundManager, newConfig, quorumCall, Server, twoWayHandler, withNodes } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";

describe("known peers by DNS name", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) {
      await c();
    }
  });

  async function dialAsPeer2(resolvesTo: string[]): Promise<{ inbound: InboundManager; error?: unknown }> {
    const inbound = new InboundManager(1, withNodes({ 1: "127.0.0.1:1", 2: "replica-2.replicas:9080" }), {
      lookup: async (host) => (host === "replica-2.replicas" ? resolvesTo : []),
    });
    const server = new Server({ inboundManager: inbound });
    server.registerHandler("testsvc.TestService.Echo", twoWayHandler(TestService.method.echo, (_ctx, req) => ({ value: req.value })));
    const addr = await server.listen("127.0.0.1:0");
    cleanups.push(() => server.stop());
    const config = newConfig(withNodes({ 1: addr }), { metadata: { "gorums-node-id": "2" } });
    cleanups.push(() => config.close());
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
});
