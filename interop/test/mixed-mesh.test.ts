/**
 * A mixed symmetric mesh: five System replicas, Go 1 and 4, TS 2, 3 and 5,
 * started in a seeded random order (GORUMS_INTEROP_SEED). Every replica's
 * config reaches all five; every replica completes a quorum call and a
 * multicast to all the others; TS–TS pairs share one connection, pairs with
 * a Go replica use two (Go builds Config() only from streams dialed to it);
 * a killed replica of either language leaves everyone's config and rejoins
 * it after a restart on the same address.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "../../packages/runtime/test/helpers/prng.js";
import { establishedConnectionsTo } from "../../packages/runtime/test/helpers/tcp-connections.js";
import { type Replicas, startReplicas } from "./helpers/cluster.js";
import { goPeerBuilt, type Lang, stopAllPeers } from "./helpers/peers.js";

const LANGS: Lang[] = ["go", "ts", "ts", "go", "ts"];
const ALL = [1, 2, 3, 4, 5];
const seed = Number(process.env.GORUMS_INTEROP_SEED ?? Date.now() % 100_000);

/** 1..n in an order drawn from `seed`. */
function shuffled(n: number, s: number): number[] {
  const next = prng(s);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
  }
  return ids;
}

/** One connection per TS–TS pair, two for every pair with a Go replica. */
function expectedConnections(langs: readonly Lang[]): number {
  let n = 0;
  for (let a = 0; a < langs.length; a++) {
    for (let b = a + 1; b < langs.length; b++) {
      n += langs[a] === "ts" && langs[b] === "ts" ? 1 : 2;
    }
  }
  return n;
}

describe.skipIf(!goPeerBuilt)(`a mesh of Go replicas 1, 4 and TS replicas 2, 3, 5 (seed ${seed})`, () => {
  let mesh: Replicas;

  beforeAll(async () => {
    const order = shuffled(LANGS.length, seed);
    console.log(`mixed mesh: start order ${order.join(", ")} (GORUMS_INTEROP_SEED=${seed})`);
    mesh = await startReplicas(LANGS, { order });
  }, 90_000);
  afterAll(stopAllPeers);

  it("every replica's config holds all five", () => {
    for (const [id, peer] of mesh.byID) {
      expect(peer.latestIDs("config"), `replica ${id} (${peer.lang})`).toEqual(ALL);
    }
  });

  it("every replica completes a quorum call and a multicast to all the others", async () => {
    for (const [id, peer] of mesh.byID) {
      const qc = await peer.ok({ op: "writeQC", target: "config", key: `qc-${id}`, value: `from ${id}`, ts: 1, quorum: "all" });
      expect(qc.reply, `replica ${id} (${peer.lang}) quorum call`).toEqual({ new: true });
      await peer.ok({ op: "writeMulticast", target: "config", key: `mc-${id}`, value: `mc ${id}`, ts: 1 });
    }
    for (const [id, peer] of mesh.byID) {
      for (const other of ALL) {
        await expect
          .poll(async () => (await peer.ok({ op: "readRPC", target: "config", node: other, key: `mc-${id}` })).reply?.value, { timeout: 5000 })
          .toBe(`mc ${id}`);
        const r = await peer.ok({ op: "readRPC", target: "config", node: other, key: `qc-${id}` });
        expect(r.reply?.value, `replica ${id} reads its quorum write on ${other}`).toBe(`from ${id}`);
      }
    }
  });

  it("TS–TS pairs share a connection; every pair with a Go replica has two", async () => {
    const want = expectedConnections(LANGS);
    await expect.poll(() => establishedConnectionsTo(mesh.ports), { timeout: 10_000 }).toBe(want);
  });

  for (const victim of [1, 3]) {
    it(`replica ${victim} (${LANGS[victim - 1]}) killed leaves every config and rejoins after a restart`, async () => {
      const others = ALL.filter((id) => id !== victim);
      await mesh.byID.get(victim)?.kill("SIGKILL");
      await mesh.waitFull(others);
      const restarted = await mesh.restart(victim);
      // A Go replica opens a stream again only when it next sends (Go's
      // channel re-creates streams on send): the Go replicas multicast on
      // their outbound configuration, so they dial the restarted one. (The
      // TS replicas dial it again by themselves.)
      for (const id of others.filter((o) => LANGS[o - 1] === "go")) {
        await mesh.byID.get(id)?.run({ op: "writeMulticast", target: "outbound", key: `ping-${victim}`, value: "p", ts: 1 });
      }
      await mesh.waitFull(ALL, 30_000);
      // The restarted replica (its state is gone) calls all five, and all five call it.
      const w = await restarted.ok({ op: "writeQC", target: "config", key: `back-${victim}`, value: "back", ts: 1, quorum: "all" });
      expect(w.reply).toEqual({ new: true });
      for (const id of others) {
        const w = await mesh.byID.get(id)?.ok({ op: "writeQC", target: "config", key: `after-${victim}-${id}`, value: "v", ts: 1, quorum: "all" });
        expect(w?.reply, `replica ${id} reaches all five after ${victim} rejoined`).toEqual({ new: true });
      }
      await expect.poll(() => establishedConnectionsTo(mesh.ports), { timeout: 10_000 }).toBe(expectedConnections(LANGS));
    }, 60_000);
  }
});

describe.skipIf(!goPeerBuilt)("an all-TS mesh as the control of the connection count", () => {
  it("five TS replicas keep 10 connections", async () => {
    const langs: Lang[] = ["ts", "ts", "ts", "ts", "ts"];
    const mesh = await startReplicas(langs);
    await expect.poll(() => establishedConnectionsTo(mesh.ports), { timeout: 10_000 }).toBe(10);
  }, 60_000);
});
