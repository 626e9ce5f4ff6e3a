/**
 * The learner applies decided slots strictly in slot order (a gap holds back
 * every later slot), applies a command decided in two slots once, and
 * records a slot learned with two different commands as a conflict.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ballot } from "../src/ballot.js";
import { CommandSchema } from "../src/gen/paxos/paxos_pb.js";
import { Learner } from "../src/learner.js";
import { NOOP } from "../src/proposer.js";

const cmd = (id: string, op: string) => create(CommandSchema, { id, op });

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
});
