/**
 * The Connect protocol (`ManagerOptions.protocol: "connect"`, connect-node's
 * client; the Server serves it with connect-node's handler beside its own
 * gRPC stream) end to end, against real TestService servers on 127.0.0.1:
 * every call type (rpc, unicast, multicast, quorum call, correctable and
 * streaming quorum call), handler errors and their status codes, an
 * unimplemented method, deadlines (the caller's and the handler's signal),
 * cancellation, stream and per-call metadata, calls back to a client that
 * serves, a server that stops, and a System mesh dialing in the Connect
 * protocol. This is the Connect protocol's test set: the rest of the suite
 * runs on the gRPC protocol (our node:http2 stream).
 */
import { describe, expect, it, onTestFinished } from "vitest";
import {
  Code,
  type Configuration,
  ConnectError,
  ErrIncomplete,
  type ManagerOptions,
  multicastCall,
  newLocalSystems,
  QuorumCallError,
  quorumCall,
  quorumCallStream,
  rpcCall,
  type ServerCtx,
  twoWayHandler,
  unicastCall,
  withNodeList,
} from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { rejection } from "../helpers/rejection.js";
import { registerTestService, startTestServers, type TestServer, type TestServerState, testCluster, testConfig, testServer } from "../helpers/test-servers.js";
import { waitUntil } from "../helpers/wait.js";

const CONNECT: ManagerOptions = { protocol: "connect" };

/** `n` test servers and a Connect-protocol configuration of them, stopped and closed when the test ends. */
function connectCluster(n: number, opts: ManagerOptions = {}): Promise<{ servers: TestServer[]; config: Configuration }> {
  return testCluster(n, { manager: { ...CONNECT, ...opts } });
}

describe("the Connect protocol: call types", () => {
  it("rpc: one node answers", async () => {
    const { config } = await connectCluster(3);
    const reply = await rpcCall(config.node(2)!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "connect" });
    expect(reply.value).toBe("echo: connect");
    expect(reply.num).toBe(2n);
  });

  it("unicast: the one node records the write, in order", async () => {
    const { servers, config } = await connectCluster(2);
    const ctx = config.node(1)!.context();
    for (const v of ["a", "b", "c"]) {
      await unicastCall(ctx, TestService.method.writeUnicast, { value: v });
    }
    await waitUntil(() => servers[0]!.state.writes.length === 3, "the writes");
    expect(servers[0]!.state.writes).toEqual(["a", "b", "c"]);
    expect(servers[1]!.state.writes).toEqual([]);
  });

  it("multicast: every node records the write", async () => {
    const { servers, config } = await connectCluster(3);
    await multicastCall(config.context(), TestService.method.write, { value: "all" });
    await waitUntil(() => servers.every((s) => s.state.writes.includes("all")), "every server's write");
  });

  it("quorum call: majority and all, one reply per node", async () => {
    const { config } = await connectCluster(3);
    const majority = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "q" }).majority();
    expect(majority.value).toBe("echo: q");
    const all = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "q" }).results().collectAll();
    expect([...all.keys()].sort()).toEqual([1, 2, 3]);
    expect([...all.values()].map((r) => r.num).sort()).toEqual([1n, 2n, 3n]);
  });

  it("correctable quorum call: levels rise to the configuration's size", async () => {
    const { config } = await connectCluster(3);
    const c = quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "c" }).correctable(3);
    await c.watch(2);
    expect(c.get().level).toBeGreaterThanOrEqual(2);
    await c.done;
    expect(c.get()).toMatchObject({ level: 3, value: { value: "echo: c" } });
    expect(c.get().error).toBeUndefined();
  });

  it("streaming quorum call: every server's replies arrive under one sequence number", async () => {
    const { config } = await connectCluster(3);
    const c = quorumCallStream(config.context({ timeoutMs: 5000 }), TestService.method.echoStream, { value: "s" }).correctable(9);
    await c.watch(9);
    expect(c.get().level).toBe(9);
    expect(c.get().value?.value).toMatch(/^echo: s-[123]$/);
    const seen: string[] = [];
    const ac = new AbortController();
    for await (const r of quorumCallStream(config.context({ signal: ac.signal }), TestService.method.echoStream, { value: "r" }).results()) {
      if (r.value !== undefined) {
        seen.push(`${r.nodeID}:${r.value.value}`);
      }
      if (seen.length === 9) {
        ac.abort();
      }
    }
    expect(seen.sort()).toEqual([1, 2, 3].flatMap((id) => [1, 2, 3].map((i) => `${id}:echo: r-${i}`)));
  });
});

describe("the Connect protocol: errors and status codes", () => {
  it("a handler's ConnectError keeps its code; a plain Error is Unknown; a rejected promise too", async () => {
    const { config } = await connectCluster(1);
    const ctx = config.node(1)!.context({ timeoutMs: 5000 });
    const denied = await rejection(rpcCall(ctx, TestService.method.echoRPC, { value: `fail:${Code.PermissionDenied}` }));
    expect(denied).toBeInstanceOf(ConnectError);
    expect((denied as ConnectError).code).toBe(Code.PermissionDenied);
    expect((denied as ConnectError).rawMessage).toBe(`failure ${Code.PermissionDenied}`);
    expect(((await rejection(rpcCall(ctx, TestService.method.echoRPC, { value: "fail:0" }))) as ConnectError).code).toBe(Code.Unknown);
    expect(((await rejection(rpcCall(ctx, TestService.method.echoRPC, { value: `fail-async:${Code.NotFound}` }))) as ConnectError).code).toBe(Code.NotFound);
    // The stream survives a failed call.
    expect((await rpcCall(ctx, TestService.method.echoRPC, { value: "after" })).value).toBe("echo: after");
  });

  it("a quorum call that every node fails: QuorumCallError(ErrIncomplete) with each node's code", async () => {
    const { config } = await connectCluster(3);
    const err = await rejection(quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: `fail:${Code.Aborted}` }).majority());
    expect(err).toBeInstanceOf(QuorumCallError);
    expect((err as QuorumCallError).cause).toBe(ErrIncomplete);
    const codes = (err as QuorumCallError).nodeErrors.map((e) => (e.error as ConnectError).code);
    expect(codes.length).toBeGreaterThanOrEqual(2);
    expect(codes.every((c) => c === Code.Aborted)).toBe(true);
  });

  it("a method the server does not have: Unimplemented", async () => {
    const server = testServer();
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]), CONNECT);
    const err = await rejection(rpcCall(config.node(1)!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }));
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
  });

  it("a node nobody listens on: Unavailable", async () => {
    const server = testServer();
    const addr = await server.listen("127.0.0.1:0");
    await server.stop();
    const config = testConfig(withNodeList([addr]), CONNECT);
    const err = await rejection(rpcCall(config.node(1)!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }));
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });

  it("a server that stops: calls in flight fail, later calls are Unavailable", async () => {
    const { servers, config } = await connectCluster(1);
    const ctx = config.node(1)!.context({ timeoutMs: 5000 });
    expect((await rpcCall(ctx, TestService.method.echoRPC, { value: "up" })).value).toBe("echo: up");
    servers[0]!.state.delayMs = 2000;
    const inFlight = rejection(rpcCall(ctx, TestService.method.echoRPC, { value: "cut" }));
    await waitUntil(() => servers[0]!.state.nums.length === 2, "the call to reach the server");
    await servers[0]!.server.stop();
    expect([Code.Unavailable, Code.Canceled]).toContain(((await inFlight) as ConnectError).code);
    expect(((await rejection(rpcCall(ctx, TestService.method.echoRPC, { value: "down" }))) as ConnectError).code).toBe(Code.Unavailable);
  });
});

describe("the Connect protocol: deadlines, cancellation, metadata", () => {
  it("a deadline fails the call with DeadlineExceeded and travels to the handler, whose signal aborts", async () => {
    const ended: Array<{ reason: unknown; at: number }> = [];
    const server = testServer();
    server.registerHandler(
      twoWayHandler(TestService.method.echoRPC, async (ctx: ServerCtx, req) => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 3000);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            ended.push({ reason: ctx.signal.reason, at: performance.now() });
            resolve();
          });
        });
        return { value: req.value };
      }),
    );
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]), CONNECT);
    const start = performance.now();
    const err = await rejection(rpcCall(config.node(1)!.context({ timeoutMs: 200 }), TestService.method.echoRPC, { value: "slow" }));
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(performance.now() - start).toBeLessThan(2000);
    await waitUntil(() => ended.length === 1, "the handler's signal to abort", 2000);
    expect((ended[0]!.reason as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(ended[0]!.at - start).toBeGreaterThanOrEqual(150);
  });

  it("an aborted signal fails the call with Canceled; the node keeps serving", async () => {
    const { servers, config } = await connectCluster(1);
    servers[0]!.state.delayMs = 1000;
    const ac = new AbortController();
    const call = rejection(rpcCall(config.node(1)!.context({ signal: ac.signal }), TestService.method.echoRPC, { value: "abort" }));
    setTimeout(() => ac.abort(), 50);
    expect(((await call) as ConnectError).code).toBe(Code.Canceled);
    servers[0]!.state.delayMs = 0;
    expect((await rpcCall(config.node(1)!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "next" })).value).toBe("echo: next");
  });

  it("stream metadata and per-call metadata reach ctx.metadata; ctx.peer is the caller; the stream is a Connect one", async () => {
    const seen: Array<{ stream: string | null; call: string | null; nodeID: number; address: string }> = [];
    const contentTypes: Array<string | null> = [];
    const server = testServer({ onConnect: ({ header }) => contentTypes.push(header.get("content-type")) });
    server.registerHandler(
      twoWayHandler(TestService.method.echoRPC, (ctx, req) => {
        seen.push({ stream: ctx.metadata.get("x-stream"), call: ctx.metadata.get("x-call"), nodeID: ctx.peer.nodeID, address: ctx.peer.address });
        return { value: req.value };
      }),
    );
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]), { ...CONNECT, metadata: { "x-stream": "s1" } });
    const node = config.node(1)!;
    await rpcCall(node.context({ timeoutMs: 5000, metadata: { "x-call": "c1" } }), TestService.method.echoRPC, { value: "1" });
    await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "2" });
    expect(seen.map(({ stream, call }) => ({ stream, call }))).toEqual([
      { stream: "s1", call: "c1" },
      { stream: "s1", call: null },
    ]);
    expect(seen[0]!.nodeID).toBe(0);
    expect(seen[0]!.address).toMatch(/^127\.0\.0\.1:\d+$/);
    // One stream, in the Connect protocol's streaming content type (gRPC's is application/grpc).
    expect(contentTypes).toEqual(["application/connect+proto"]);
  });
});

describe("the Connect protocol: calls back and symmetric configurations", () => {
  it("a client that serves (ManagerOptions.server) is in the server's clientConfig and answers its quorum call", async () => {
    const [target] = await startTestServers(1);
    const clientSide = testServer();
    const state: TestServerState = { writes: [], nums: [], delayMs: 0, streamReplies: 3 };
    registerTestService(clientSide, state, 42);
    const config = testConfig(withNodeList([target!.addr]), { ...CONNECT, server: clientSide });
    await rpcCall(config.node(1)!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "hello" });
    await waitUntil(() => target!.server.clientConfig().size === 1, "the client in clientConfig");
    const back = await quorumCall(target!.server.clientConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "back" }).all();
    expect(back).toMatchObject({ value: "echo: back", num: 42n });
  });

  it("a mesh of 3 Systems dialing in the Connect protocol: quorum calls and multicasts over every inboundConfig", async () => {
    const local = await newLocalSystems(3, { dial: CONNECT });
    onTestFinished(() => local.stop());
    const states = local.systems.map((s, i) => {
      const state: TestServerState = { writes: [], nums: [], delayMs: 0, streamReplies: 3 };
      registerTestService(s.server, state, i + 1);
      return state;
    });
    await Promise.all(local.systems.map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(8000) })));
    for (const s of local.systems) {
      const replies = await quorumCall(s.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: `from ${s.myID}` }).results().collectAll();
      expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
      expect([...replies.values()].map((r) => r.num).sort()).toEqual([1n, 2n, 3n]);
    }
    await multicastCall(local.systems[0]!.inboundConfig().context(), TestService.method.write, { value: "mesh" });
    await waitUntil(() => states.every((st) => st.writes.includes("mesh")), "every replica's write");
  });
});
