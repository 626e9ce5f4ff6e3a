/**
 * A System beside replicas that behave as Go Gorums' do: they announce only
 * `gorums-node-id` (no `gorums-capabilities: shared-link`), build their
 * configuration only from the streams dialed to them, and (grpc-go) send no
 * response headers before their first message. The real Go peer is exercised
 * in interop/; these tests pin the runtime's side of the rule.
 */
import * as http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { InboundManager, Manager, newSymmetricSystem, Server, type System, withNodes } from "../../src/index.js";
import { echoQC } from "../gen/testsvc/testsvc_gorums.js";
import { establishedConnectionsTo } from "../helpers/tcp-connections.js";
import { registerTestService, cleanup } from "../helpers/test-servers.js";
import { freePorts, newState, portOf } from "./helpers.js";
import { sleep, waitUntil } from "../helpers/wait.js";


/**
 * A replica shaped like Go's NewSystem: a Server whose InboundManager knows
 * the peers (its config: self plus streams dialed to it), and a Manager that
 * dials the others with `gorums-node-id` alone and serves what comes back.
 */
async function goStyleReplica(id: number, addrs: Map<number, string>): Promise<{ inbound: InboundManager; dial(): void }> {
  const inbound = new InboundManager(id, withNodes(addrs));
  const server = new Server({ inboundManager: inbound });
  registerTestService(server, newState(), id);
  await server.listen(addrs.get(id) as string);
  const manager = new Manager({ server, streamHeaders: { "gorums-node-id": String(id) } });
  cleanup(() => server.stop(), () => manager.close());
  const others = new Map([...addrs].filter(([peer]) => peer !== id));
  return { inbound, dial: () => void manager.newConfiguration(withNodes(others)) };
}

async function tsReplica(id: number, addrs: Map<number, string>): Promise<System> {
  const system = await newSymmetricSystem(addrs.get(id) as string, id, withNodes(addrs));
  system.registerService((srv) => registerTestService(srv, newState(), id));
  await system.serve();
  cleanup(() => system.stop());
  return system;
}

describe("a System beside a replica that does not share connections (as Go Gorums)", () => {
  it("keeps its own dialed stream to a lower-ID peer, so that peer's configuration holds it: two connections", async () => {
    const ports = await freePorts(2);
    const addrs = new Map(ports.map((p, i) => [i + 1, `127.0.0.1:${p}`]));
    const go = await goStyleReplica(1, addrs);
    const ts = await tsReplica(2, addrs);
    go.dial();
    ts.newOutboundConfig();
    await ts.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    // Without the rule, replica 2 would retire its dial (the lower ID's wins)
    // and never appear in replica 1's configuration.
    await go.inbound.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    await sleep(200); // a retired channel would be closed by now
    expect(go.inbound.inboundConfig().nodeIDs()).toEqual([1, 2]);
    expect(establishedConnectionsTo(ports)).toBe(2);
    // Each side calls the other: replica 1 over the stream replica 2 dialed, replica 2 on its own.
    const fromGo = await echoQC(go.inbound.inboundConfig().context({ timeoutMs: 2000 }), { value: "go" }).all();
    expect(fromGo.value).toBe("echo: go");
    const fromTs = await echoQC(ts.inboundConfig().context({ timeoutMs: 2000 }), { value: "ts" }).all();
    expect(fromTs.value).toBe("echo: ts");
  });

  it("dials again a peer that was not up yet, without any call to make, so the peer's configuration gets it", async () => {
    const ports = await freePorts(2);
    const addrs = new Map(ports.map((p, i) => [i + 1, `127.0.0.1:${p}`]));
    const ts = await tsReplica(2, addrs);
    ts.newOutboundConfig(); // replica 1 is not listening: the dials fail, several times over
    await sleep(2500);
    const go = await goStyleReplica(1, addrs); // never dials, never calls
    await go.inbound.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
  });

  it("TS replicas among themselves still share one connection per pair", async () => {
    const ports = await freePorts(3);
    const addrs = new Map(ports.map((p, i) => [i + 1, `127.0.0.1:${p}`]));
    const systems = await Promise.all([1, 2, 3].map((id) => tsReplica(id, addrs)));
    for (const s of systems) {
      s.newOutboundConfig();
    }
    await Promise.all(systems.map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })));
    await waitUntil(() => establishedConnectionsTo(ports) === 3, "3 connections among 3 replicas");
  });
});

describe("a peer that sends no response headers until its first message (grpc-go)", () => {
  it("counts as connected once its stream stayed open, unrefused, for a second", async () => {
    const [goPort] = await freePorts(1);
    // A NodeStream server that holds its response headers, as grpc-go does.
    const held: http2.ServerHttp2Stream[] = [];
    const silent = http2.createServer();
    silent.on("stream", (stream) => {
      // The dialer's session may end with a GOAWAY when the replica stops:
      // node destroys the held stream with that error, which needs a listener.
      stream.on("error", () => {});
      held.push(stream);
    });
    await new Promise<void>((r) => silent.listen(goPort, "127.0.0.1", () => r()));
    cleanup(
      () =>
        new Promise<void>((r) => {
          for (const s of held) {
            s.close();
          }
          silent.close(() => r());
        }),
    );
    const [tsPort] = await freePorts(1);
    const addrs = new Map([
      [1, `127.0.0.1:${goPort}`],
      [2, `127.0.0.1:${tsPort}`],
    ]);
    const ts = await tsReplica(2, addrs);
    ts.newOutboundConfig();
    await waitUntil(() => held.length === 1, "the dialed stream");
    const opened = Date.now();
    await ts.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    expect(Date.now() - opened).toBeGreaterThanOrEqual(900);
    expect(portOf(ts.inboundConfig().node(1)?.address as string)).toBe(goPort);
  });
});
