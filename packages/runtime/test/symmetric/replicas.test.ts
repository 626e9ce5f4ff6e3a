/**
 * Full meshes of replicas made with newSymmetricSystem + newOutboundConfig on
 * real loopback ports (Go behaviors 73, 75, 76, 82; DESIGN §3): every
 * inboundConfig reaches N with exactly N(N-1)/2 TCP connections; quorum calls
 * and multicasts over inboundConfig and over the outbound configuration reach
 * each replica once, and handlers see the caller's node ID; a stopped replica
 * leaves every inboundConfig (onConfigChange fires) and comes back when
 * restarted on the same address, and is called again.
 */
import { describe, expect, it } from "vitest";
import { type Configuration, multicastCall, newSymmetricSystem, quorumCall, type System, twoWayHandler, withNodes } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { establishedConnectionsTo } from "../helpers/tcp-connections.js";
import { registerTestService } from "../helpers/test-servers.js";
import { freePorts, newState, type Replicas, portOf, startReplicas } from "./helpers.js";
import { sleep, waitUntil } from "../helpers/wait.js";

describe("symmetric replicas", () => {
  let mesh: Replicas | undefined;

  for (const n of [3, 5]) {
    it(`${n} replicas: inboundConfig reaches ${n} on ${(n * (n - 1)) / 2} connections; calls both ways reach each replica once`, async () => {
      // Each Echo handler records the caller's node ID as it sees it.
      const callers = new Map<number, number[]>();
      mesh = await startReplicas(
        n,
        () => ({}),
        (r, id) => {
          callers.set(id, []);
          r.system.server.registerHandler(
            "testsvc.TestService.Echo",
            twoWayHandler(TestService.method.echo, (ctx, req) => {
              callers.get(id)?.push(ctx.peer.nodeID);
              return { value: `echo: ${req.value}`, num: BigInt(id) };
            }),
          );
        },
      );
      const systems = mesh.replicas.map((r) => r.system);
      const ids = systems.map((s) => s.myID);
      await Promise.all(systems.map((s) => s.waitForConfig((c) => c.size === n, { signal: AbortSignal.timeout(5000) })));
      for (const s of systems) {
        expect(s.inboundConfig().nodeIDs()).toEqual(ids);
      }

      const ports = systems.map((s) => portOf(s.addr));
      const want = (n * (n - 1)) / 2;
      // Losing duplicates close once retired; then the count must stay put.
      await waitUntil(() => establishedConnectionsTo(ports) === want, `${want} connections`);
      await sleep(300);
      expect(establishedConnectionsTo(ports)).toBe(want);
      for (const s of systems) {
        expect(s.inboundConfig().size).toBe(n);
      }

      // Quorum calls from every replica, over inboundConfig and over the outbound configuration.
      const outbound = new Map(systems.map((s) => [s.myID, s.newOutboundConfig()]));
      for (const s of systems) {
        for (const node of s.inboundConfig()) {
          // One Node object per known peer, shared by the inbound and outbound configurations.
          expect(outbound.get(s.myID)?.node(node.id)).toBe(node);
          // The tiebreak: the connection dialed by the lower ID is the one in use.
          expect(node.isInbound(), `node ${node.id} at ${s.myID}`).toBe(node.id < s.myID);
        }
      }
      let tag = 0;
      for (const s of systems) {
        for (const [how, cfg] of [
          ["inbound", s.inboundConfig()],
          ["outbound", outbound.get(s.myID) as Configuration],
        ] as const) {
          tag++;
          const replies = await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: `${how} ${s.myID}`, num: BigInt(tag) })
            .results()
            .collectAll();
          expect([...replies.keys()].sort((a, b) => a - b)).toEqual(ids);
          for (const [id, reply] of replies) {
            expect(reply.value).toBe(`echo: ${how} ${s.myID}`);
            expect(reply.num).toBe(BigInt(id)); // answered by that very replica
          }
          for (const r of mesh.replicas) {
            expect(r.state.nums.filter((x) => x === BigInt(tag)), `replica ${r.system.myID}, call ${tag}`).toHaveLength(1);
          }
        }
      }

      // Multicasts from every replica, both ways: each replica gets each once.
      for (const s of systems) {
        await multicastCall(s.inboundConfig().context(), TestService.method.write, { value: `in-${s.myID}` });
        await multicastCall((outbound.get(s.myID) as Configuration).context(), TestService.method.write, { value: `out-${s.myID}` });
      }
      const expected = ids.flatMap((id) => [`in-${id}`, `out-${id}`]).sort();
      await waitUntil(() => mesh?.replicas.every((r) => r.state.writes.length >= expected.length) ?? false, "every multicast delivered");
      await sleep(100);
      for (const r of mesh.replicas) {
        expect([...r.state.writes].sort(), `replica ${r.system.myID}`).toEqual(expected);
      }

      // Each replica's handler saw each caller's ID, itself included: an RPC from each to each.
      for (const id of ids) {
        callers.set(id, []);
      }
      for (const s of systems) {
        for (const node of s.inboundConfig()) {
          await quorumCall(s.inboundConfig().remove(...ids.filter((x) => x !== node.id)).context({ timeoutMs: 5000 }), TestService.method.echo, {
            value: "who",
          }).all();
        }
      }
      for (const id of ids) {
        expect([...(callers.get(id) ?? [])].sort((a, b) => a - b), `callers seen by ${id}`).toEqual(ids);
      }
    });
  }

  it("a stopped replica leaves every inboundConfig within 2 s, and comes back after a restart on its address", async () => {
    const changes = new Map<number, number[][]>();
    mesh = await startReplicas(3, (id) => {
      changes.set(id, []);
      return { onConfigChange: (c) => changes.get(id)?.push(c.nodeIDs()) };
    });
    const systems = () => (mesh as Replicas).replicas.map((r) => r.system);
    await Promise.all(systems().map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })));
    for (const id of [1, 3]) {
      expect(changes.get(id)?.[0], "onConfigChange at construction").toEqual([id]);
      expect(changes.get(id)?.at(-1)).toEqual([1, 2, 3]);
    }

    for (const victim of [2, 1, 3]) {
      const others = [1, 2, 3].filter((id) => id !== victim);
      const victimSystem = mesh.replicas[victim - 1]?.system;
      const oldConfigs = others.map((id) => mesh?.replicas[id - 1]?.system.inboundConfig() as Configuration);
      const before = new Map(others.map((id) => [id, changes.get(id)?.length ?? 0]));

      await victimSystem?.stop();
      await Promise.all(
        others.map((id) => mesh?.replicas[id - 1]?.system.waitForConfig((c) => !c.contains(victim), { signal: AbortSignal.timeout(2000) })),
      );
      for (const id of others) {
        expect(mesh.replicas[id - 1]?.system.inboundConfig().nodeIDs()).toEqual(others);
        expect(changes.get(id)?.slice(before.get(id)), `onConfigChange of ${id}`).toContainEqual(others);
      }
      // Configurations taken before stay as they were.
      for (const cfg of oldConfigs) {
        expect(cfg.nodeIDs()).toEqual([1, 2, 3]);
      }
      // A call to the stopped replica fails for that node only.
      const from = others[0] as number;
      const fromSystem = mesh.replicas[from - 1]?.system;
      const fullOutbound = fromSystem?.newOutboundConfig() as Configuration;
      const outcome = new Map<number, string>();
      for await (const r of quorumCall(fullOutbound.context({ timeoutMs: 3000 }), TestService.method.echoQC, { value: "partial" }).results()) {
        outcome.set(r.nodeID, r.error === undefined ? (r.value?.value ?? "") : "error");
      }
      expect(outcome).toEqual(new Map([...[1, 2, 3]].map((id) => [id, id === victim ? "error" : "echo: partial"])));

      // Restart on the same address with the same ID: it is back everywhere, and answers.
      const restarted = await mesh.restart(victim);
      expect(restarted.system.addr).toBe(victimSystem?.addr);
      await Promise.all(
        systems().map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })),
      );
      for (const id of others) {
        expect(changes.get(id)?.at(-1)).toEqual([1, 2, 3]);
      }
      for (const s of systems()) {
        const replies = await quorumCall(s.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: `after ${victim}` })
          .results()
          .collectAll();
        expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
        expect(replies.get(victim)?.num).toBe(BigInt(victim));
      }
      expect(restarted.state.nums.length).toBe(3); // one call from each replica, itself included
      const ports = systems().map((s) => portOf(s.addr));
      await waitUntil(() => establishedConnectionsTo(ports) === 3, "3 connections after the restart");
    }
  });

  // The address a replica announces (gorums-addr) must be the one its peers know it by, even
  // when it listens on all interfaces or under another spelling of its host.
  for (const [name, listenOn, knownAs] of [
    ["all interfaces (':port'), known as 127.0.0.1", (p: number) => `:${p}`, (p: number) => `127.0.0.1:${p}`],
    ["0.0.0.0, known as localhost", (p: number) => `0.0.0.0:${p}`, (p: number) => `localhost:${p}`],
    ["localhost, known as 127.0.0.1", (p: number) => `localhost:${p}`, (p: number) => `127.0.0.1:${p}`],
  ] as const) {
    it(`replicas listening on ${name} identify each other`, async () => {
      const ports = await freePorts(3);
      const peers = withNodes(new Map(ports.map((p, i) => [i + 1, knownAs(p)])));
      const systems: System[] = [];
      const stopAll = () => Promise.all(systems.map((s) => s.stop()));
      try {
        for (const [i, p] of ports.entries()) {
          const s = await newSymmetricSystem(listenOn(p), i + 1, peers);
          systems.push(s);
          s.registerService((srv) => registerTestService(srv, newState(), i + 1));
          await s.serve();
        }
        for (const s of systems) {
          s.newOutboundConfig();
        }
        await Promise.all(systems.map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })));
        await waitUntil(() => establishedConnectionsTo(ports) === 3, "3 connections");
      } finally {
        await stopAll();
      }
    });
  }
});
