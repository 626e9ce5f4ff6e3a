/**
 * One-way calls (unicastCall, multicastCall) against real test servers on
 * 127.0.0.1: every message delivered exactly once, blocking and with
 * ignoreErrors (Go behavior 7); mapRequest per node and skipping nodes (8,
 * 46); k of 3 servers stopped → QuorumCallError(ErrSendFailure) with k node
 * errors, ignoreErrors → resolves (9); 1000 fire-and-forget multicasts leave
 * no pending calls (10); an aborted signal or a deadline → the plain
 * Canceled / DeadlineExceeded error (11, 32).
 *
 * Delivery is checked with a barrier: a two-way call sent after the one-way
 * messages on the same stream is answered only after the server dispatched
 * every message before it (requests on a stream are served in order).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  type Configuration,
  ErrSendFailure,
  mapRequest,
  multicastCall,
  QuorumCallError,
  rpcCall,
  unicastCall,
} from "../../src/index.js";
import { type Request, TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, stopAll, type TestServer, testCluster } from "../helpers/test-servers.js";
import { configOf, expectCode, expectQuorumError, rejection } from "./util.js";
import { waitUntil } from "../helpers/wait.js";

const values = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

/** Waits until every node of `config` has dispatched everything sent to it before. */
async function barrier(config: Configuration): Promise<void> {
  await Promise.all(config.nodes().map((n) => rpcCall(n.context({ timeoutMs: 10_000 }), TestService.method.echoRPC, { value: "barrier" })));
}

describe("unicast and multicast", () => {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;

  for (const n of [1, 3]) {
    for (const ignoreErrors of [false, true]) {
      it(`50 unicasts to each of ${n} servers are each delivered once (ignoreErrors: ${ignoreErrors})`, async () => {
        ({ servers, config } = await testCluster(n));
        for (let i = 1; i <= 50; i++) {
          for (const node of config) {
            await unicastCall(node.context({ timeoutMs: 5000 }), TestService.method.writeUnicast, { value: String(i), num: BigInt(i) }, { ignoreErrors });
          }
        }
        await barrier(config);
        for (const s of servers) {
          expect(s.state.writes).toEqual(values(50));
        }
      });

      it(`50 multicasts to ${n} servers are each delivered once to every server (ignoreErrors: ${ignoreErrors})`, async () => {
        ({ servers, config } = await testCluster(n));
        const ctx = config.context({ timeoutMs: 5000 });
        for (let i = 1; i <= 50; i++) {
          await multicastCall(ctx, TestService.method.write, { value: String(i), num: BigInt(i) }, { ignoreErrors });
        }
        await barrier(config);
        for (const s of servers) {
          expect(s.state.writes).toEqual(values(50));
        }
      });
    }
  }

  it("50 concurrent multicasts (not awaited one by one) are each delivered once, in issue order", async () => {
    ({ servers, config } = await testCluster(3));
    const ctx = config.context({ timeoutMs: 5000 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => multicastCall(ctx, TestService.method.write, { value: String(i + 1) })));
    await barrier(config);
    for (const s of servers) {
      expect(s.state.writes).toEqual(values(50));
    }
  });

  it("multicast with mapRequest sends each node its own request", async () => {
    ({ servers, config } = await testCluster(3));
    await multicastCall(
      config.context({ timeoutMs: 5000 }),
      TestService.method.write,
      { value: "v", num: 100n },
      { interceptors: [mapRequest((req, node) => ({ ...req, value: `${req.value}-${node.id}`, num: req.num + BigInt(node.id) }))] },
    );
    await barrier(config);
    expect(servers.map((s) => s.state.writes)).toEqual([["v-1"], ["v-2"], ["v-3"]]);
    // nums also hold the barrier's Echo num (0).
    expect(servers.map((s) => s.state.nums)).toEqual([
      [101n, 0n],
      [102n, 0n],
      [103n, 0n],
    ]);
  });

  it("multicast: mapRequest returning undefined skips the node without an error", async () => {
    ({ servers, config } = await testCluster(3));
    await multicastCall(config.context({ timeoutMs: 5000 }), TestService.method.write, { value: "v" }, { interceptors: [mapRequest((req, node) => (node.id === 2 ? undefined : req))] });
    await barrier(config);
    expect(servers.map((s) => s.state.writes)).toEqual([["v"], [], ["v"]]);
  });

  it("multicast: mapRequests chain in order", async () => {
    ({ servers, config } = await testCluster(3));
    await multicastCall(config.context({ timeoutMs: 5000 }), TestService.method.write, { value: "v" }, {
      interceptors: [mapRequest((req) => ({ ...req, value: `${req.value}a` })), mapRequest((req, node) => (node.id === 1 ? undefined : { ...req, value: `${req.value}b` }))],
    });
    await barrier(config);
    expect(servers.map((s) => s.state.writes)).toEqual([[], ["vab"], ["vab"]]);
  });

  it("multicast: every node skipped → resolves, nothing is sent", async () => {
    ({ servers, config } = await testCluster(3));
    await multicastCall(config.context({ timeoutMs: 5000 }), TestService.method.write, { value: "v" }, { interceptors: [mapRequest((_req: Request) => undefined)] });
    await barrier(config);
    expect(servers.map((s) => s.state.writes)).toEqual([[], [], []]);
  });

  for (let k = 0; k <= 3; k++) {
    it(`blocking multicast with ${k} of 3 servers stopped: ${k === 0 ? "resolves" : "ErrSendFailure with the stopped nodes' errors"}; ignoreErrors resolves`, async () => {
      servers = await startTestServers(3);
      await Promise.all(servers.slice(0, k).map((s) => s.server.stop()));
      config = configOf(servers);
      const ctx = config.context({ timeoutMs: 5000 });
      const p = multicastCall(ctx, TestService.method.write, { value: "x" });
      if (k === 0) {
        await p;
      } else {
        const err = await expectQuorumError(p, ErrSendFailure);
        expect(err.nodeErrors.map((e) => e.nodeID).sort()).toEqual(Array.from({ length: k }, (_, i) => i + 1));
        for (const e of err.nodeErrors) {
          expect(e.error).toBeInstanceOf(ConnectError);
          expect((e.error as ConnectError).code).toBe(Code.Unavailable);
        }
      }
      await multicastCall(ctx, TestService.method.write, { value: "y" }, { ignoreErrors: true });
      await barrier(config.remove(...Array.from({ length: k }, (_, i) => i + 1)));
      for (const [i, s] of servers.entries()) {
        expect(s.state.writes).toEqual(i < k ? [] : ["x", "y"]);
      }
    });
  }

  it("unicast to a stopped server rejects with Unavailable; with ignoreErrors it resolves", async () => {
    servers = await startTestServers(1);
    await stopAll(servers);
    config = configOf(servers);
    const ctx = config.node(1)!.context({ timeoutMs: 5000 });
    await expectCode(unicastCall(ctx, TestService.method.writeUnicast, { value: "x" }), Code.Unavailable);
    await unicastCall(ctx, TestService.method.writeUnicast, { value: "x" }, { ignoreErrors: true });
  });

  it("1000 fire-and-forget multicasts: all delivered, every node's pendingCount back to 0", async () => {
    ({ servers, config } = await testCluster(3));
    const ctx = config.context();
    for (let i = 1; i <= 1000; i++) {
      await multicastCall(ctx, TestService.method.write, { value: String(i) }, { ignoreErrors: true });
    }
    await waitUntil(() => config!.nodes().every((n) => n.pendingCount === 0), "pendingCount 0", 15_000);
    await barrier(config);
    for (const s of servers) {
      expect(s.state.writes).toEqual(values(1000));
    }
    for (const node of config) {
      expect(node.pendingCount).toBe(0);
    }
  });

  it("one-way calls with an aborted signal reject with the plain Canceled error and send nothing", async () => {
    ({ servers, config } = await testCluster(3));
    const ac = new AbortController();
    ac.abort();
    const mcErr = await rejection(multicastCall(config.context({ signal: ac.signal }), TestService.method.write, { value: "x" }));
    expect(mcErr).not.toBeInstanceOf(QuorumCallError);
    expect(mcErr).toBeInstanceOf(ConnectError);
    expect((mcErr as ConnectError).code).toBe(Code.Canceled);
    await expectCode(unicastCall(config.node(1)!.context({ signal: ac.signal }), TestService.method.writeUnicast, { value: "x" }), Code.Canceled);
    // ignoreErrors never rejects.
    await multicastCall(config.context({ signal: ac.signal }), TestService.method.write, { value: "x" }, { ignoreErrors: true });
    await barrier(config);
    expect(servers.map((s) => s.state.writes)).toEqual([[], [], []]);
  });
});
