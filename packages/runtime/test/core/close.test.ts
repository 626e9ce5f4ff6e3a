/**
 * Configuration.close() closes the whole manager (Go behavior 54, and the
 * "node closed" sentinel of behaviors 29/60): against real test servers on
 * 127.0.0.1 port 0, calls that worked before close fail afterwards with
 * Unavailable "node closed" — also on nodes that are not in the configuration
 * that was closed, and also for a call still waiting for its reply; close is
 * idempotent. Also: a configuration derived by the algebra calls the same nodes
 * (Go behavior 57: remove, union, difference each serve majority calls).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrIncomplete, Manager, QuorumCallError, newConfig, quorumCall, rpcCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { type TestServer, startTestServers } from "../helpers/test-servers.js";

/** Asserts that `p` rejects with a ConnectError Unavailable "node closed". */
async function expectNodeClosed(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(Code.Unavailable);
  expect((err as ConnectError).rawMessage).toBe("node closed");
}

describe("Configuration.close with real servers", () => {
  let servers: TestServer[] = [];

  it("a later call on one of its nodes fails with Unavailable \"node closed\"; close is idempotent", async () => {
    servers = await startTestServers(3);
    const config = newConfig(withNodeList(servers.map((s) => s.addr)));
    try {
      const node = config.node(1);
      expect(node).toBeDefined();
      if (node === undefined) return;
      const reply = await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "before" });
      expect(reply.value).toBe("echo: before");
      expect(node.latencyMs).toBeGreaterThanOrEqual(0);

      await config.close();
      await config.close();
      await expectNodeClosed(rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "after" }));
      const qc = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "after" })
        .majority()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(qc).toBeInstanceOf(QuorumCallError);
      const qcErr = qc as QuorumCallError;
      expect(qcErr.cause).toBe(ErrIncomplete);
      // A majority is out of reach after two failures: the call fails then, the third not waited for.
      expect(qcErr.nodeErrors.map((e) => e.nodeID)).toEqual([1, 2]);
      expect(qcErr.counts).toEqual({ needed: 2, succeeded: 0, failed: 2, skipped: 0, notAnswered: 1 });
      for (const e of qcErr.nodeErrors) {
        expect((e.error as ConnectError).rawMessage).toBe("node closed");
      }
    } finally {
      await config.close();
    }
  });

  it("closing a sub-configuration closes the manager: nodes outside it are closed too", async () => {
    servers = await startTestServers(2);
    const manager = new Manager();
    try {
      const all = manager.newConfiguration(withNodeList(servers.map((s) => s.addr)));
      const other = manager.newConfiguration(withNodeList(["127.0.0.1:1"]));
      const n2 = all.node(2);
      if (n2 === undefined) throw new Error("no node 2");
      expect((await rpcCall(n2.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" })).value).toBe("echo: x");

      await all.remove(2).close();
      await expectNodeClosed(rpcCall(n2.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "y" }));
      const n3 = other.node(3);
      if (n3 === undefined) throw new Error("no node 3");
      await expectNodeClosed(rpcCall(n3.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "y" }));
      expect(() => all.extend(withNodeList(["127.0.0.1:2"]))).toThrow("gorums: manager is closed");
    } finally {
      await manager.close();
    }
  });

  it("a call waiting for its reply fails with \"node closed\" when the configuration closes", async () => {
    servers = await startTestServers(1);
    const [server] = servers;
    if (server === undefined) throw new Error("no server");
    server.state.delayMs = 60_000;
    const config = newConfig(withNodeList([server.addr]));
    try {
      const node = config.node(1);
      if (node === undefined) throw new Error("no node 1");
      const call = rpcCall(node.context({ timeoutMs: 30_000 }), TestService.method.echoRPC, { value: "slow" });
      // Closing only after the server has the request shows the call was in flight.
      for (let i = 0; i < 500 && server.state.nums.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(server.state.nums.length).toBe(1);
      expect(node.pendingCount).toBe(1);
      await config.close();
      await expectNodeClosed(call);
      expect(node.pendingCount).toBe(0);
    } finally {
      await config.close();
    }
  });

  it("configurations derived by remove, union and difference call the right nodes (Go TestConfig)", async () => {
    servers = await startTestServers(6);
    const config = newConfig(withNodeList(servers.map((s) => s.addr)));
    try {
      const without12 = config.remove(1, 2);
      const union = without12.union(config.remove(3, 4, 5, 6));
      const diff = config.difference(config.remove(1, 2, 3));
      expect(without12.nodeIDs()).toEqual([3, 4, 5, 6]);
      expect(union.nodeIDs()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(diff.nodeIDs()).toEqual([1, 2, 3]);
      for (const [cfg, want] of [
        [without12, [3, 4, 5, 6]],
        [union, [1, 2, 3, 4, 5, 6]],
        [diff, [1, 2, 3]],
      ] as const) {
        for (const s of servers) s.state.nums.length = 0;
        for (let i = 0; i < 5; i++) {
          const reply = await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: `m${i}`, num: BigInt(i) }).all();
          expect(reply.value).toBe(`echo: m${i}`);
          expect(want).toContain(Number(reply.num));
        }
        // Exactly the configuration's servers saw the 5 calls.
        expect(servers.map((s, i) => (s.state.nums.length === 5 ? i + 1 : s.state.nums.length === 0 ? 0 : -1)).filter((id) => id !== 0)).toEqual(want);
      }
    } finally {
      await config.close();
    }
  });
});
