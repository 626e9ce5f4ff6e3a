/**
 * The learner applies decided slots strictly in slot order (a gap holds back
 * every later slot), applies a command decided in two slots once, and
 * records a slot learned with two different commands as a conflict. A
 * whenApplied wait whose signal aborts rejects with its reason and leaves no
 * waiter behind; the live ones still resolve.
 */
import { describe, expect, it } from "vitest";
import { ballot } from "../src/ballot.js";
import { Learner } from "../src/learner.js";
import { NOOP } from "../src/proposer.js";
import { command as cmd } from "./helpers.js";

describe("learner", () => {
  it("waits for a gap to be filled, then applies in slot order", async () => {
    const l = new Learner();
    l.learn(1, cmd("b", "x=2"), ballot(1, 1));
    expect(l.slotOf("b")).toBe(1);
    expect(l.firstUndecided).toBe(0);
    expect(l.state.size).toBe(0);
    l.learn(2, NOOP);
    l.learn(0, cmd("a", "x=1"));
    expect(l.firstUndecided).toBe(3);
    expect(l.log().map((e) => e.command.id)).toEqual(["a", "b", ""]);
    expect(l.state.get("x")).toBe("2"); // slot 1 after slot 0, whatever the arrival order
  });

  it("applies a command decided in two slots once, at the first", () => {
    const l = new Learner();
    l.learn(0, cmd("a", "x=1"));
    l.learn(1, cmd("b", "x=2"));
    l.learn(2, cmd("a", "x=1"));
    expect(l.state.get("x")).toBe("2");
    expect(l.log()[2]?.duplicateOf).toBe(0);
    expect(l.appliedCommands).toBe(2);
    expect(l.slotOf("a")).toBe(0);
  });

  it("answers a command once it is applied, with its result, and a duplicate with the first one's", async () => {
    const l = new Learner();
    const get = l.whenApplied("g");
    let answered = false;
    void get.then(() => {
      answered = true;
    });
    l.learn(1, cmd("g", "x?"));
    await Promise.resolve();
    expect(answered).toBe(false); // decided, but slot 0 is not known yet
    l.learn(0, cmd("p", "x=1"));
    expect(await get).toEqual({ slot: 1, result: "1" });
    l.learn(2, cmd("q", "x=2"));
    l.learn(3, cmd("p", "x=1"));
    expect(await l.whenApplied("p")).toEqual({ slot: 0, result: "" });
    expect(await l.whenApplied("q")).toEqual({ slot: 2, result: "1" });
    expect(l.state.get("x")).toBe("2");
  });

  it("ignores a repeated Learn of the same command and records a different one as a conflict", () => {
    const l = new Learner();
    expect(l.learn(0, cmd("a", "x=1"))).toBe(true);
    expect(l.learn(0, cmd("a", "x=1"))).toBe(false);
    expect(l.conflicts).toEqual([]);
    l.learn(0, cmd("b", "x=9"));
    expect(l.conflicts).toHaveLength(1);
    expect(l.state.get("x")).toBe("1");
  });

  it("forgets every wait whose signal aborts: 1,000 abandoned waits for never-applied commands leave no waiter", async () => {
    const l = new Learner();
    const controllers: AbortController[] = [];
    const waits: Array<Promise<unknown>> = [];
    for (let i = 0; i < 1000; i++) {
      const c = new AbortController();
      controllers.push(c);
      // Half wait for one command, half for a command each.
      waits.push(l.whenApplied(i % 2 === 0 ? "never" : `never.${i}`, c.signal).catch((err: unknown) => err));
    }
    expect(l.pendingWaiters).toBe(1000);
    expect(l.waitingCommands).toBe(501);
    for (const c of controllers) {
      c.abort(new Error("gave up"));
    }
    const reasons = await Promise.all(waits);
    expect(reasons.every((r) => r instanceof Error && r.message === "gave up")).toBe(true);
    expect(l.pendingWaiters).toBe(0);
    expect(l.waitingCommands).toBe(0);
  });

  it("rejects a wait with its signal's reason, also one aborted before the call", async () => {
    const l = new Learner();
    const c = new AbortController();
    const wait = l.whenApplied("a", c.signal);
    const reason = new Error("deadline");
    c.abort(reason);
    await expect(wait).rejects.toBe(reason);
    const timedOut = AbortSignal.abort(new DOMException("late", "TimeoutError"));
    await expect(l.whenApplied("a", timedOut)).rejects.toBe(timedOut.reason);
    expect(l.pendingWaiters).toBe(0);
    expect(l.waitingCommands).toBe(0);
    // Applied before the call: the answer wins over an aborted signal.
    l.learn(0, cmd("a", "x=1"));
    expect(await l.whenApplied("a", timedOut)).toEqual({ slot: 0, result: "" });
  });

  it("an applied command still answers every live wait, with or without a signal, after others gave up", async () => {
    const l = new Learner();
    const live = new AbortController();
    const gone = new AbortController();
    const withSignal = l.whenApplied("a", live.signal);
    const abandoned = l.whenApplied("a", gone.signal);
    const plain = l.whenApplied("a");
    gone.abort(new Error("gave up"));
    await expect(abandoned).rejects.toThrow("gave up");
    expect(l.pendingWaiters).toBe(2);
    l.learn(0, cmd("a", "x=1"));
    expect(await withSignal).toEqual({ slot: 0, result: "" });
    expect(await plain).toEqual({ slot: 0, result: "" });
    expect(l.pendingWaiters).toBe(0);
    expect(l.waitingCommands).toBe(0);
    live.abort(new Error("after the answer")); // too late: no effect, no unhandled rejection
    expect(await withSignal).toEqual({ slot: 0, result: "" });
  });
});
