/**
 * A peer whose connections come from another address than its listen
 * address (NAT, sidecar proxies), on Linux loopback: replica 2 listens on
 * 127.0.0.2 (its address in every peer list) but its connection to replica 1
 * on 127.0.0.1 comes from 127.0.0.1. By default replica 1 refuses it with
 * PERMISSION_DENIED (the host check); with `identity: "node-id"` (Go's trust
 * model) replica 1 takes its claim and both replicas call each other over
 * that one connection.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type Configuration, newSymmetricSystem, type PeerIdentityCheck, quorumCall, rpcCall, type System, type SystemOptions, withNodes } from "../../src/index.js";
import { cleanup, registerTestService } from "../helpers/test-servers.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { freePorts, newState } from "./helpers.js";
import { waitUntil } from "../helpers/wait.js";

describe("a peer behind NAT (listens on 127.0.0.2, connects from 127.0.0.1)", () => {

  /** Replica 1 (on 127.0.0.1, with `identity`) serving; replica 2 (on 127.0.0.2) dialing it. */
  async function start(identity?: PeerIdentityCheck): Promise<{ r1: System; r2: System; toR1: Configuration }> {
    const [p1, p2] = (await freePorts(2)) as [number, number];
    const peers = withNodes({ 1: `127.0.0.1:${p1}`, 2: `127.0.0.2:${p2}` });
    const replica = async (addr: string, id: number, opts: SystemOptions) => {
      const system = await newSymmetricSystem(addr, id, peers, opts);
      cleanup(() => system.stop());
      system.registerService((srv) => registerTestService(srv, newState(), id));
      await system.serve();
      return system;
    };
    const r1 = await replica(`127.0.0.1:${p1}`, 1, identity !== undefined ? { identity } : {});
    const r2 = await replica(`127.0.0.2:${p2}`, 2, {});
    return { r1, r2, toR1: r2.newOutboundConfig(withNodes({ 1: `127.0.0.1:${p1}` })) };
  }

  it("is refused by default: its claim names host 127.0.0.2, the connection comes from 127.0.0.1", async () => {
    const { r1, toR1 } = await start();
    const err = await rpcCall(toR1.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "hi" }).then(
      () => new Error("the call was not refused"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.PermissionDenied);
    expect((err as ConnectError).rawMessage).toMatch(/claims host 127\.0\.0\.2, but the connection comes from 127\.0\.0\.1/);
    expect(r1.inboundConfig().nodeIDs()).toEqual([1]);
  });

  it('is accepted as peer 2 with identity "node-id", and called back over its connection', async () => {
    const { r1, r2, toR1 } = await start("node-id");
    const reply = await rpcCall(toR1.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "hi" });
    expect(reply.value).toBe("echo: hi");
    await waitUntil(() => r1.inboundConfig().size === 2, "replica 2 in replica 1's inboundConfig");
    expect(r1.inboundConfig().nodeIDs()).toEqual([1, 2]);
    const replies = await quorumCall(r1.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "back" }).results().collectAll();
    expect([...replies.keys()].sort()).toEqual([1, 2]);
    expect(r2.inboundConfig().nodeIDs()).toEqual([1, 2]);
  });
});
