/**
 * Replicas on real loopback ports (newLocalSystems): commands submitted at
 * once to every replica — with contention for leadership — end up in one
 * log that every replica learns; a command submitted to two replicas is
 * applied once; clients reach Submit through a plain newConfig; and a
 * replica restarted from stable storage never reuses a ballot.
 */
import { newConfig, newLocalSystems, withNodes } from "@gorums/runtime";
import { describe, expect, it, onTestFinished } from "vitest";
import { submit } from "../src/gen/paxos/paxos_gorums.js";
import { ballot } from "../src/ballot.js";
import { Replica } from "../src/replica.js";
import { emptyState, type StableStorage } from "../src/storage.js";
import { command as cmd, waitUntil } from "./helpers.js";

describe("replicas", () => {
  /** N replicas on a local mesh, each with a config of all N; the mesh is stopped when the test ends. */
  async function start(n: number, first: Partial<ConstructorParameters<typeof Replica>[1]> = {}): Promise<Replica[]> {
    const mesh = await newLocalSystems(n);
    onTestFinished(() => mesh.stop());
    const replicas = mesh.systems.map((s, i) => new Replica(s, { n, callTimeoutMs: 5000, ...(i === 0 ? first : {}) }));
    await Promise.all(mesh.systems.map((s) => s.waitForConfig((c) => c.size === n, { signal: AbortSignal.timeout(10_000) })));
    return replicas;
  }

  it("concurrent submits to every replica decide one log, learned by all", async () => {
    const replicas = await start(3);
    const ids: string[] = [];
    const results = await Promise.all(
      replicas.flatMap((r) =>
        [1, 2, 3].map((k) => {
          const id = `r${r.id}.${k}`;
          ids.push(id);
          return r.submit(cmd(id, `k${k}=${r.id}`));
        }),
      ),
    );
    // Every command got a slot of its own.
    expect(new Set(results.map((r) => r.slot)).size).toBe(9);
    await waitUntil(() => replicas.every((r) => ids.every((id) => r.learner.applied(id))), "every replica to apply all commands");
    const logs = replicas.map((r) => r.learner.log().map((e) => `${e.slot}:${e.command.id}`));
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[2]).toEqual(logs[0]);
    expect(replicas.every((r) => r.learner.conflicts.length === 0)).toBe(true);
    // A replica proposes only the commands submitted to it, so every one of them had to lead.
    for (const r of replicas) {
      expect(r.stats.ledBallots, `replica ${r.id}`).toBeGreaterThan(0);
    }
  });

  it("a command submitted to two replicas is applied once", async () => {
    const replicas = await start(3);
    // Both replicas may propose it, and it may be decided in two slots.
    await Promise.all([replicas[0]!.submit(cmd("same", "x=1")), replicas[1]!.submit(cmd("same", "x=1"))]);
    await replicas[2]!.submit(cmd("after", "y=1"));
    await waitUntil(() => replicas.every((r) => r.learner.applied("after")), "every replica to apply the later command");
    for (const r of replicas) {
      const entries = r.learner.log().filter((e) => e.command.id === "same");
      expect(entries.filter((e) => e.duplicateOf === undefined), `replica ${r.id}`).toHaveLength(1);
      expect(r.learner.appliedCommands).toBe(2);
    }
  });

  it("a plain client configuration calls Submit on a replica, which answers with the slot and the result", async () => {
    const replicas = await start(3);
    const client = newConfig(withNodes(new Map(replicas.map((r) => [r.id, r.system.addr]))));
    try {
      const reply = await submit(client.node(2)!.context({ timeoutMs: 10_000 }), { command: cmd("c1.1", "x=5") });
      expect(reply.replica).toBe(2);
      expect(replicas[1]!.learner.entry(reply.slot)?.command?.id).toBe("c1.1");
      // A get goes through the log too, and answers with what the put before it wrote.
      const read = await submit(client.node(3)!.context({ timeoutMs: 10_000 }), { command: cmd("c1.2", "x?") });
      expect(read.result).toBe("5");
      expect(read.slot).toBeGreaterThan(reply.slot);
      expect((await submit(client.node(1)!.context({ timeoutMs: 10_000 }), { command: cmd("c1.3", "x=6") })).result).toBe("5");
      await expect(submit(client.node(1)!.context({ timeoutMs: 10_000 }), { command: cmd("", "x=1") })).rejects.toThrow(/needs a command with an id/);
    } finally {
      await client.close();
    }
  });

  it("a replica restarted from stable storage uses ballots above its last one, even one its own acceptor never promised", async () => {
    // Before the crash, replica 1 recorded ballot 7.1 and sent Prepare; the
    // others may have promised and accepted in 7.1, but its own acceptor had not.
    const restored = { ...emptyState(), proposed: ballot(7, 1) };
    const records: string[] = [];
    const storage: StableStorage = {
      promise: (b) => records.push(`promise ${b.round}.${b.node}`),
      accept: (e) => records.push(`accept ${e.slot} ${e.ballot?.round}.${e.ballot?.node}`),
      propose: (b) => records.push(`propose ${b.round}.${b.node}`),
    };
    const replicas = await start(3, { storage, restored });
    const reply = await replicas[0]!.submit(cmd("after-restart", "x=1"));
    expect(reply.ballot?.node).toBe(1);
    expect(reply.ballot?.round).toBeGreaterThan(7);
    // The ballot was recorded before its Prepare reached the replica's own acceptor.
    const b = `${reply.ballot?.round}.1`;
    expect(records.indexOf(`propose ${b}`)).toBeGreaterThanOrEqual(0);
    expect(records.indexOf(`propose ${b}`)).toBeLessThan(records.indexOf(`promise ${b}`));
    expect(records).toContain(`accept ${reply.slot} ${b}`);
  });
});
