/**
 * Node state that tells the truth (issue 17, item 7): `node.lastError` is set
 * when a node cannot be reached and cleared by the next successful call — an
 * rpc, a quorum call or a multicast — so `byLastNodeError` no longer demotes
 * a node that recovered. Real servers on 127.0.0.1: one stopped, then a new
 * one started on the same port.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { byLastNodeError, type Configuration, multicastCall, quorumCall, rpcCall, Server } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { cleanup, configOf, newState, registerTestService, startTestServers, type TestServer } from "../helpers/test-servers.js";
import { expectCode } from "../calls/util.js";
import { sleep } from "../helpers/wait.js";

describe("node.lastError", () => {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;

  /** Node 1 on a stopped server's port (its calls fail Unavailable), node 2 up; returns a way to bring node 1 back. */
  const downThenUp = async () => {
    servers = await startTestServers(2);
    const addr = servers[0]!.addr;
    await servers[0]!.server.stop();
    config = configOf(servers, { backoff: { initialMs: 20, maxMs: 50, jitter: 0 } });
    const down = config.node(1)!;
    const up = config.node(2)!;
    await expectCode(rpcCall(down.context({ timeoutMs: 2000 }), TestService.method.echoRPC, { value: "x" }), Code.Unavailable);
    expect(down.lastError).toBeInstanceOf(ConnectError);
    expect(config.sortBy(byLastNodeError).nodeIDs()).toEqual([2, 1]);
    const revive = async () => {
      const replacement = new Server();
      cleanup(() => replacement.stop());
      registerTestService(replacement, newState(), 1);
      expect(await replacement.listen(addr)).toBe(addr);
      await sleep(60); // past the backoff
    };
    return { down, up, revive };
  };

  it("is cleared by the next successful rpc; byLastNodeError stops demoting the node", async () => {
    const { down, revive } = await downThenUp();
    await revive();
    expect((await rpcCall(down.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "back" })).value).toBe("echo: back");
    expect(down.lastError).toBeUndefined();
    expect(config!.sortBy(byLastNodeError).nodeIDs()).toEqual([1, 2]);
  });

  it("is cleared by a successful quorum call", async () => {
    const { down, revive } = await downThenUp();
    await revive();
    expect((await quorumCall(config!.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "qc" }).all()).value).toBe("echo: qc");
    expect(down.lastError).toBeUndefined();
  });

  it("is cleared by a multicast written to the node", async () => {
    const { down, revive } = await downThenUp();
    await revive();
    await multicastCall(config!.context({ timeoutMs: 5000 }), TestService.method.write, { value: "w" });
    expect(down.lastError).toBeUndefined();
  });

  it("stays set while the node is still down", async () => {
    const { down, up } = await downThenUp();
    await sleep(60);
    await expectCode(rpcCall(down.context({ timeoutMs: 2000 }), TestService.method.echoRPC, { value: "x" }), Code.Unavailable);
    expect(down.lastError).toBeInstanceOf(ConnectError);
    expect(up.lastError).toBeUndefined();
  });
});
