/**
 * Client peers (Go behaviors 76–78, 83, 84; DESIGN §3): a plain client that
 * passes `ManagerOptions.server` announces `gorums-node-id: 0`, appears in each
 * replica's clientConfig() with an ID ≥ CLIENT_ID_BASE (known peers
 * unchanged), is called back with quorum calls and multicasts over
 * clientConfig() — also from inside a handler — and leaves clientConfig()
 * when it closes. `ctx.peer.nodeID` is the client's assigned ID on the
 * replica and the replica's ID on the client. waitForClientConfig waits for
 * it. A newSystem (no known peers) dialing replicas is a client peer too.
 */
import { describe, expect, it } from "vitest";
import {
  CLIENT_ID_BASE,
  type Configuration,
  multicastCall,
  newConfig,
  newSystem,
  oneWayHandler,
  QuorumCallError,
  quorumCall,
  rpcCall,
  Server,
  twoWayHandler,
  withNodes,
} from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { type Replicas, startReplicas } from "./helpers.js";
import { sleep, waitUntil } from "../helpers/wait.js";
import { cleanup } from "../helpers/test-servers.js";

/** What a client's own server saw. */
interface ClientLog {
  echoes: Array<{ from: number; value: string }>;
  writes: Array<{ from: number; value: string }>;
}

function clientServer(name: string): { server: Server; log: ClientLog } {
  const log: ClientLog = { echoes: [], writes: [] };
  const server = new Server();
  server.registerHandler(
    "testsvc.TestService.Echo",
    twoWayHandler(TestService.method.echo, (ctx, req) => {
      log.echoes.push({ from: ctx.peer.nodeID, value: req.value });
      return { value: `${name}-echo: ${req.value}` };
    }),
  );
  server.registerHandler(
    "testsvc.TestService.EchoQC",
    twoWayHandler(TestService.method.echoQC, (ctx, req) => {
      log.echoes.push({ from: ctx.peer.nodeID, value: req.value });
      return { value: `${name}-echo: ${req.value}` };
    }),
  );
  server.registerHandler(
    "testsvc.TestService.Write",
    oneWayHandler(TestService.method.write, (ctx, req) => {
      log.writes.push({ from: ctx.peer.nodeID, value: req.value });
    }),
  );
  return { server, log };
}

describe("client peers", () => {
  let mesh: Replicas | undefined;

  /** Three replicas; Echo records the caller's node ID; EchoQC calls its clients back (after release). */
  async function start(): Promise<{ m: Replicas; seen: Map<number, number[]> }> {
    const seen = new Map<number, number[]>();
    mesh = await startReplicas(
      3,
      () => ({}),
      (r, id) => {
        seen.set(id, []);
        r.system.server.registerHandler(
          "testsvc.TestService.Echo",
          twoWayHandler(TestService.method.echo, (ctx, req) => {
            seen.get(id)?.push(ctx.peer.nodeID);
            return { value: `echo: ${req.value}`, num: BigInt(id) };
          }),
        );
        r.system.server.registerHandler(
          "testsvc.TestService.EchoQC",
          twoWayHandler(TestService.method.echoQC, async (ctx, req) => {
            ctx.release();
            const clients = ctx.clientConfig();
            const inner = await quorumCall(clients.context({ timeoutMs: 5000 }), TestService.method.echo, { value: req.value }).all();
            await multicastCall(clients.context(), TestService.method.write, { value: `inner from ${id}` });
            return { value: `${req.value} | ${inner.value}`, num: BigInt(id) };
          }),
        );
      },
    );
    await Promise.all(mesh.replicas.map((r) => r.system.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })));
    return { m: mesh, seen };
  }

  it("a plain client with a server joins clientConfig (ID ≥ 1<<20), is called back, and leaves on close", async () => {
    const { m, seen } = await start();
    const r1 = m.replicas[0]?.system;
    if (r1 === undefined) throw new Error("no replica 1");
    // Waiting for the client before it exists: released when it connects.
    const arrival = r1.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(5000) });
    // A client is not a known peer: inboundConfig stays the very same object.
    const before = r1.inboundConfig();

    const { server, log } = clientServer("c");
    const cfg = newConfig(withNodes(m.addrs), { server });
    cleanup(() => server.stop(), () => cfg.close());
    await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hi" }).all();
    await arrival;
    await Promise.all(m.replicas.map((r) => r.system.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(5000) })));
    expect(r1.inboundConfig()).toBe(before);

    const clientID = r1.clientConfig().nodeIDs()[0] as number;
    expect(clientID).toBeGreaterThanOrEqual(CLIENT_ID_BASE);
    expect(CLIENT_ID_BASE).toBe(1 << 20);
    expect(r1.clientConfig().node(clientID)?.isInbound()).toBe(true);

    // The replicas saw the client's assigned ID on its call.
    for (const r of m.replicas) {
      const id = r.system.myID;
      expect(seen.get(id)).toEqual([r.system.clientConfig().nodeIDs()[0]]);
    }

    // Replica 1 calls the client back: a quorum call and a multicast over clientConfig().
    const back = await quorumCall(r1.clientConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "back" })
      .results()
      .collectAll();
    expect(back).toEqual(new Map([[clientID, expect.objectContaining({ value: "c-echo: back" })]]));
    await multicastCall(r1.clientConfig().context(), TestService.method.write, { value: "mc" });
    await waitUntil(() => log.writes.length >= 1, "the multicast at the client");
    // The client's handlers see the ID of the replica whose stream the call came on.
    expect(log.echoes).toEqual([{ from: 1, value: "back" }]);
    expect(log.writes).toEqual([{ from: 1, value: "mc" }]);

    // The client closes: it leaves every clientConfig, known peers stay.
    const withClient = r1.clientConfig();
    await cfg.close();
    await Promise.all(m.replicas.map((r) => r.system.waitForClientConfig((c) => c.size === 0, { signal: AbortSignal.timeout(5000) })));
    expect(r1.inboundConfig().nodeIDs()).toEqual([1, 2, 3]);
    // A configuration taken earlier still names the client, whose stream is gone.
    expect(withClient.nodeIDs()).toEqual([clientID]);
    const gone = await quorumCall(withClient.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "gone" })
      .all()
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(QuorumCallError);
    expect((gone as QuorumCallError).nodeErrors.map((e) => e.error.message)).toEqual([expect.stringMatching(/stream is down|node closed/)]);
  });

  it("two client peers get distinct IDs; handlers call them back with prefix 'outer-call | ' and multicast to them once", async () => {
    const { m } = await start();
    const a = clientServer("a");
    const b = clientServer("b");
    const cfgA = newConfig(withNodes(m.addrs), { server: a.server });
    const cfgB = newConfig(withNodes(m.addrs), { server: b.server });
    cleanup(
      () => a.server.stop(),
      () => b.server.stop(),
      () => cfgA.close(),
      () => cfgB.close(),
    );
    for (const cfg of [cfgA, cfgB]) {
      await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hello" }).all();
    }
    await Promise.all(m.replicas.map((r) => r.system.waitForClientConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) })));
    const ids = m.replicas[0]?.system.clientConfig().nodeIDs() as number[];
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => id >= CLIENT_ID_BASE)).toBe(true);

    // Client A calls replica 2's EchoQC alone: its handler quorum-calls both of its clients.
    const reply = await quorumCall(cfgA.remove(1, 3).context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "outer-call" }).all();
    expect(reply.value).toMatch(/^outer-call \| [ab]-echo: outer-call$/);
    for (const c of [a, b]) {
      await waitUntil(() => c.log.writes.length >= 1, "the inner multicast");
    }
    await sleep(100);
    for (const c of [a, b]) {
      expect(c.log.echoes).toEqual([{ from: 2, value: "outer-call" }]);
      expect(c.log.writes).toEqual([{ from: 2, value: "inner from 2" }]);
    }

    // A leaves; B stays.
    await cfgA.close();
    await Promise.all(m.replicas.map((r) => r.system.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(5000) })));
    for (const r of m.replicas) {
      expect(r.system.clientConfig().nodeIDs()).toHaveLength(1);
    }
    const again = await quorumCall((m.replicas[2]?.system.clientConfig() as Configuration).context({ timeoutMs: 5000 }), TestService.method.echoQC, {
      value: "only b",
    }).all();
    expect(again.value).toBe("b-echo: only b");
  });

  it("a newSystem without known peers dials replicas as a client peer and serves their calls", async () => {
    const { m } = await start();
    const client = await newSystem("127.0.0.1:0");
    cleanup(() => client.stop());
    expect(client.myID).toBe(0);
    const log: string[] = [];
    client.registerService((srv) =>
      srv.registerHandler(
        "testsvc.TestService.Echo",
        twoWayHandler(TestService.method.echo, (ctx, req) => {
          log.push(`${ctx.peer.nodeID}:${req.value}`);
          return { value: `sys-echo: ${req.value}` };
        }),
      ),
    );
    await client.serve();
    const cfg = client.newOutboundConfig(withNodes(m.addrs));
    expect(cfg.nodeIDs()).toEqual([1, 2, 3]);
    await Promise.all(m.replicas.map((r) => r.system.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(5000) })));
    const r3 = m.replicas[2]?.system;
    const clientNode = r3?.clientConfig().nodes()[0];
    if (clientNode === undefined) throw new Error("no client peer at replica 3");
    const back = await rpcCall(clientNode.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "x" });
    expect(back.value).toBe("sys-echo: x");
    expect(log).toEqual(["3:x"]);
    for (const r of m.replicas) {
      expect(r.system.inboundConfig().nodeIDs()).toEqual([1, 2, 3]);
    }
  });

  // As Go Gorums, which dials every node at NewConfig: a client peer can be
  // called back before it calls anyone.
  it("a plain client with a server is in clientConfig before making any call", async () => {
    const { m } = await start();
    const { server } = clientServer("early");
    const cfg = newConfig(withNodes(m.addrs), { server });
    cleanup(() => server.stop(), () => cfg.close());
    await m.replicas[0]?.system.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(2000) });
  });
});
