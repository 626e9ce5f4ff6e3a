/**
 * A submit that stops waiting leaves no waiter in the learner for its
 * command: one whose signal aborts (the Submit handler passes its ctx.signal,
 * which aborts when the client's deadline passes), and one the replica's
 * stop rejects. The replica here is alone in a system of three, so it never
 * gets a quorum and never applies the command.
 */
import { newConfig, newLocalSystems, withNodes } from "@gorums/runtime";
import { describe, expect, it, onTestFinished } from "vitest";
import { submit } from "../src/gen/paxos/paxos_gorums.js";
import { Replica } from "../src/replica.js";
import { command as cmd, waitUntil } from "./helpers.js";

describe("abandoned submits", () => {
  /** One replica of a system of three, the other two never started: no quorum. */
  async function lonely(): Promise<Replica> {
    const mesh = await newLocalSystems(1);
    onTestFinished(() => mesh.stop());
    return new Replica(mesh.systems[0]!, { n: 3, callTimeoutMs: 200 });
  }

  it("a submit whose signal aborts rejects with its reason and leaves no waiter", async () => {
    const r = await lonely();
    const waits = Array.from({ length: 50 }, (_, i) => r.submit(cmd(`c${i}`, "x=1"), AbortSignal.timeout(50)).catch((err: unknown) => err));
    const reasons = await Promise.all(waits);
    expect(reasons.every((e) => e instanceof DOMException && e.name === "TimeoutError")).toBe(true);
    expect(r.learner.applied("c0")).toBe(false);
    expect(r.learner.pendingWaiters).toBe(0);
    expect(r.learner.waitingCommands).toBe(0);
    await expect(r.submit(cmd("late", "x=1"), AbortSignal.abort(new Error("already gone")))).rejects.toThrow("already gone");
    expect(r.learner.pendingWaiters).toBe(0);
  });

  it("a Submit whose client deadline passes leaves no waiter on the replica", async () => {
    const r = await lonely();
    const client = newConfig(withNodes(new Map([[r.id, r.system.addr]])));
    onTestFinished(() => client.close());
    await expect(submit(client.node(r.id)!.context({ timeoutMs: 200 }), { command: cmd("c1.1", "x=5") })).rejects.toThrow();
    await waitUntil(() => r.learner.pendingWaiters === 0, "the replica to forget the abandoned Submit");
    expect(r.learner.waitingCommands).toBe(0);
    expect(r.learner.applied("c1.1")).toBe(false);
  });

  it("a submit rejected because the replica stops leaves no waiter", async () => {
    const r = await lonely();
    const wait = r.submit(cmd("c1", "x=1"));
    await waitUntil(() => r.learner.pendingWaiters === 1, "the submit to wait");
    r.close();
    await expect(wait).rejects.toThrow("replica stopped");
    expect(r.learner.pendingWaiters).toBe(0);
    expect(r.learner.waitingCommands).toBe(0);
  });
});
