/**
 * A System's lifecycle and who it lets in (Go behaviors 72, 81, 84; DESIGN §3):
 * stop() closes the listener even if never served (port re-bindable), runs
 * the registered closers (and reports their errors), fails pending calls and
 * releases waiters with ErrStopped; waitForConfig resolves at once, on
 * connect (5 concurrent waiters), or rejects with the signal's reason;
 * streams that arrive before serve() wait and are then served; a process on
 * 127.0.0.2 claiming a replica's identity is refused with PERMISSION_DENIED
 * without disturbing the real replica; a client with no identity headers is
 * served as node 0 and tracked nowhere.
 */
import * as net from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  type Configuration,
  ErrStopped,
  newConfig,
  newSymmetricSystem,
  newSystem,
  QuorumCallError,
  quorumCall,
  rpcCall,
  type System,
  twoWayHandler,
  withNodes,
} from "../../src/index.js";
import { RequestSchema, ResponseSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { establishedConnectionsTo } from "../helpers/tcp-connections.js";
import { registerTestService, cleanup } from "../helpers/test-servers.js";
import { freePorts, newState, portOf, type Replicas, startReplicas } from "./helpers.js";
import { openRawStream, payloadOf, type RawStream, refusal } from "../helpers/raw-stream.js";
import { sleep, waitUntil } from "../helpers/wait.js";

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

describe("System lifecycle", () => {
  let mesh: Replicas | undefined;

  it("stop() before serve() closes the listener and runs the registered closers", async () => {
    const [port] = await freePorts(1);
    const addr = `127.0.0.1:${port}`;
    const sys = await newSymmetricSystem(addr, 1, withNodes({ 1: addr, 2: "127.0.0.1:1" }));
    cleanup(() => sys.stop());
    expect(sys.addr).toBe(addr);
    expect(sys.myID).toBe(1);
    expect(await canBind(port as number)).toBe(false);
    const closed: string[] = [];
    sys.registerService((srv) => registerTestService(srv, newState(), 1), { close: () => closed.push("a") });
    sys.registerService(() => {}, {
      close: async () => {
        await sleep(10);
        closed.push("b");
      },
    });
    await sys.stop();
    expect(closed).toEqual(["a", "b"]);
    expect(await canBind(port as number)).toBe(true);
    await sys.stop(); // idempotent: closers run once
    expect(closed).toEqual(["a", "b"]);

    const plain = await newSystem("127.0.0.1:0");
    const plainPort = portOf(plain.addr);
    expect(plainPort).toBeGreaterThan(0);
    await plain.stop();
    expect(await canBind(plainPort)).toBe(true);
  });

  it("stop() reports a failing closer, after closing the others", async () => {
    const sys = await newSystem("127.0.0.1:0");
    const closed: string[] = [];
    const boom = new Error("boom");
    sys.registerService(() => {}, {
      close: () => {
        throw boom;
      },
    });
    sys.registerService(() => {}, { close: () => closed.push("after") });
    const err = await sys.stop().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toEqual([boom]);
    expect(closed).toEqual(["after"]);
    expect(await canBind(portOf(sys.addr))).toBe(true);
  });

  it("newSymmetricSystem refuses an invalid peer list and frees its port", async () => {
    const [port] = await freePorts(1);
    const addr = `127.0.0.1:${port}`;
    await expect(newSymmetricSystem(addr, 1, withNodes({ 1: addr, 2: addr }))).rejects.toThrow(/^gorums: invalid peer configuration: /);
    expect(await canBind(port as number)).toBe(true);
  });

  it("waitForConfig: at once when met, on connect for 5 waiters, the signal's reason on abort, ErrStopped on stop", async () => {
    const [p1, p2] = await freePorts(2);
    const addrs = new Map([
      [1, `127.0.0.1:${p1}`],
      [2, `127.0.0.1:${p2}`],
    ]);
    const s1 = await newSymmetricSystem(addrs.get(1) as string, 1, withNodes(addrs));
    cleanup(() => s1.stop());
    await s1.serve();
    await s1.waitForConfig((c) => c.size === 1);
    await s1.waitForClientConfig((c) => c.size === 0);
    const timedOut = await s1.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect((timedOut as DOMException).name).toBe("TimeoutError");

    let released = 0;
    const waiters = Array.from({ length: 5 }, () =>
      s1.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) }).then(() => released++),
    );
    await sleep(50);
    expect(released).toBe(0);
    const s2 = await newSymmetricSystem(addrs.get(2) as string, 2, withNodes(addrs));
    cleanup(() => s2.stop());
    await s2.serve();
    s2.newOutboundConfig();
    await Promise.all(waiters);
    expect(released).toBe(5);
    expect(s1.inboundConfig().nodeIDs()).toEqual([1, 2]);

    // Waiters for what never comes are released by stop.
    const never = [s1.waitForConfig((c) => c.size === 3), s1.waitForClientConfig((c) => c.size === 1)].map((w) => w.then(() => "resolved", (e: unknown) => e));
    await s1.stop();
    expect(await Promise.all(never)).toEqual([ErrStopped, ErrStopped]);
    await expect(s1.waitForConfig((c) => c.size === 3)).rejects.toBe(ErrStopped);
  });

  it("stop() fails calls in flight to the system's peers", async () => {
    mesh = await startReplicas(2);
    const [r1, r2] = mesh.replicas.map((r) => r.system) as [System, System];
    await r1.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    (mesh.replicas[1] as { state: { delayMs: number } }).state.delayMs = 60_000;
    const to2 = r1.inboundConfig().remove(1);
    const pending = quorumCall(to2.context({ timeoutMs: 30_000 }), TestService.method.echoQC, { value: "slow" })
      .all()
      .catch((e: unknown) => e);
    await waitUntil(() => (mesh?.replicas[1]?.state.nums.length ?? 0) === 1, "the call at replica 2");
    await r1.stop();
    const err = await pending;
    expect(err).toBeInstanceOf(QuorumCallError);
    const nodeErr = (err as QuorumCallError).nodeErrors[0]?.error as ConnectError;
    expect(nodeErr.code).toBe(Code.Unavailable);
    expect(nodeErr.rawMessage).toMatch(/node closed|stream is down/);
    await r2.waitForConfig((c) => c.nodeIDs().join() === "2", { signal: AbortSignal.timeout(2000) });
  });

  it("a stream that arrives before serve() waits and is then served, not refused", async () => {
    const sys = await newSystem("127.0.0.1:0");
    cleanup(() => sys.stop());
    const state = newState();
    sys.registerService((srv) => registerTestService(srv, state, 7));
    const client = newConfig(withNodes({ 7: sys.addr }));
    cleanup(() => client.close());
    let outcome: unknown;
    const call = rpcCall((client.node(7) as NonNullable<ReturnType<Configuration["node"]>>).context({ timeoutMs: 10_000 }), TestService.method.echo, {
      value: "early",
    }).then(
      (r) => (outcome = r.value),
      (e: unknown) => (outcome = e),
    );
    await waitUntil(() => establishedConnectionsTo([portOf(sys.addr)]) === 1, "the client's connection");
    await sleep(200);
    expect(outcome).toBeUndefined();
    expect(state.nums).toEqual([]);
    await sys.serve();
    await call;
    expect(outcome).toBe("echo: early");
  });
});

describe("who a System lets in", () => {
  let mesh: Replicas | undefined;

  it("a process on 127.0.0.2 claiming replica 2 is refused with PERMISSION_DENIED; replica 2's stream is undisturbed", async () => {
    mesh = await startReplicas(2);
    const m = mesh;
    const [r1, r2] = m.replicas.map((r) => r.system) as [System, System];
    await Promise.all([r1, r2].map((s) => s.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) })));
    const ports = [r1, r2].map((s) => portOf(s.addr));
    await waitUntil(() => establishedConnectionsTo(ports) === 1, "one connection between the replicas");
    const before = r1.inboundConfig();
    const nodeBefore = before.node(2);

    const impostors: RawStream[] = [];
    cleanup(() => impostors.forEach((st) => st.close()));
    const claims: Array<Record<string, string>> = [
      { "gorums-addr": r2.addr, "gorums-node-id": "2" },
      { "gorums-addr": r2.addr },
      { "gorums-node-id": "2" },
    ];
    for (const headers of claims) {
      const impostor = openRawStream(r1.addr, { headers, localAddress: "127.0.0.2" });
      impostors.push(impostor);
      // Even a request sent at once gets no answer.
      impostor.send(1n, "testsvc.TestService.EchoQC", payloadOf(RequestSchema, { value: "evil" }));
      const err = await refusal(impostor, Code.PermissionDenied);
      expect(err.rawMessage).toMatch(/127\.0\.0\.2/);
      expect(err.rawMessage).toMatch(/claims host 127\.0\.0\.1/);
      expect(impostor.replies).toEqual([]);
    }
    // From the right host, an address that is not a peer's, or an ID that contradicts the address.
    const unknown = openRawStream(r1.addr, { headers: { "gorums-addr": "127.0.0.1:1" } });
    impostors.push(unknown);
    expect((await refusal(unknown, Code.PermissionDenied)).rawMessage).toMatch(/not a known peer address/);
    const contradiction = openRawStream(r1.addr, { headers: { "gorums-addr": r2.addr, "gorums-node-id": "1" } });
    impostors.push(contradiction);
    expect((await refusal(contradiction, Code.PermissionDenied)).rawMessage).toMatch(/contradicts/);

    // Replica 2 is still there, on the same connection, answering both ways.
    expect(r1.inboundConfig()).toBe(before);
    expect(r1.inboundConfig().node(2)).toBe(nodeBefore);
    expect(m.replicas[0]?.state.nums).toEqual([]);
    for (const s of [r1, r2]) {
      const replies = await quorumCall(s.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "still" })
        .results()
        .collectAll();
      expect([...replies.keys()].sort()).toEqual([1, 2]);
    }
    // Once the refused clients hang up, the replicas' single connection is all that is left.
    for (const st of impostors) {
      st.close();
    }
    await waitUntil(() => establishedConnectionsTo(ports) === 1, "the impostors' connections to close");
    await sleep(100);
    expect(establishedConnectionsTo(ports)).toBe(1);
    expect(r2.inboundConfig().nodeIDs()).toEqual([1, 2]);
  });

  it("a plain connect-node client with no identity headers is served as node 0 and tracked nowhere", async () => {
    const seen: number[] = [];
    mesh = await startReplicas(2, undefined, (r) => {
      r.system.server.registerHandler(
        "testsvc.TestService.Echo",
        twoWayHandler(TestService.method.echo, (ctx, req) => {
          seen.push(ctx.peer.nodeID);
          return { value: `echo: ${req.value}` };
        }),
      );
    });
    const r1 = mesh.replicas[0]?.system as System;
    await r1.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    const before = r1.inboundConfig();
    const plain = openRawStream(r1.addr);
    cleanup(() => plain.close());
    plain.send(1n, "testsvc.TestService.Echo", payloadOf(RequestSchema, { value: "anon" }));
    await waitUntil(() => plain.replies.length === 1, "the reply");
    const reply = plain.replies[0];
    expect(reply?.messageSeqNo).toBe(1n);
    expect(reply?.status).toBeUndefined();
    expect(fromBinary(ResponseSchema, reply?.payload ?? new Uint8Array()).value).toBe("echo: anon");
    expect(seen).toEqual([0]);
    expect(r1.inboundConfig()).toBe(before);
    expect(r1.clientConfig().size).toBe(0);
  });

  // A dialed stream counts as a connection only once the peer has accepted it
  // (response headers or a message): a peer that refuses us never shows up in
  // inboundConfig, onConfigChange or waitForConfig.
  it("a peer that refuses our stream never appears in inboundConfig", async () => {
    const [pa, pb] = await freePorts(2);
    const a = `127.0.0.1:${pa}`;
    const b = `127.0.0.1:${pb}`;
    const seen: number[][] = [];
    // B knows a as node 3, so A's claim (gorums-node-id 1) contradicts its address there.
    const sb = await newSymmetricSystem(b, 2, withNodes({ 2: b, 3: a }));
    const sa = await newSymmetricSystem(a, 1, withNodes({ 1: a, 2: b }), { onConfigChange: (c) => seen.push(c.nodeIDs()) });
    try {
      await sb.serve();
      await sa.serve();
      sa.newOutboundConfig();
      const joined = await sa.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(1000) }).then(
        () => true,
        () => false,
      );
      expect(seen).toEqual([[1]]);
      expect(joined).toBe(false);
    } finally {
      await Promise.all([sa.stop(), sb.stop()]);
    }
  });
});
