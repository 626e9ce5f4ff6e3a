/**
 * The acceptor's rules: a Prepare is promised only above every earlier
 * promise, an Accept is taken at or above the promise (and raises it), and a
 * promise reports what was accepted from the requested slot on.
 */
import { describe, expect, it } from "vitest";
import { Acceptor } from "../src/acceptor.js";
import { ballot, formatBallot } from "../src/ballot.js";
import { command as cmd } from "./helpers.js";

describe("acceptor", () => {
  it("promises a higher ballot and refuses lower and equal ones, naming its promise", () => {
    const a = new Acceptor();
    expect(a.prepare({ ballot: ballot(2, 1), fromSlot: 0 }).ok).toBe(true);
    const lower = a.prepare({ ballot: ballot(1, 3), fromSlot: 0 });
    expect(lower.ok).toBe(false);
    expect(formatBallot(lower.promised)).toBe("2.1");
    expect(a.prepare({ ballot: ballot(2, 1), fromSlot: 0 }).ok).toBe(false);
    // Same round, higher node: a higher ballot.
    expect(a.prepare({ ballot: ballot(2, 2), fromSlot: 0 }).ok).toBe(true);
    expect(formatBallot(a.promised)).toBe("2.2");
  });

  it("accepts at or above its promise, refuses below it; accepting raises the promise", () => {
    const a = new Acceptor();
    a.prepare({ ballot: ballot(3, 1), fromSlot: 0 });
    const refused = a.accept({ ballot: ballot(2, 2), slot: 0, command: cmd("old") });
    expect(refused.ok).toBe(false);
    expect(formatBallot(refused.promised)).toBe("3.1");
    expect(a.acceptedIn(0)).toBeUndefined();

    expect(a.accept({ ballot: ballot(3, 1), slot: 0, command: cmd("a") }).ok).toBe(true);
    // A higher ballot wins even without a Prepare here, and then the lower one is refused.
    expect(a.accept({ ballot: ballot(4, 2), slot: 0, command: cmd("b") }).ok).toBe(true);
    expect(a.acceptedIn(0)?.command?.id).toBe("b");
    expect(a.accept({ ballot: ballot(3, 1), slot: 1, command: cmd("c") }).ok).toBe(false);
    expect(a.prepare({ ballot: ballot(4, 1), fromSlot: 0 }).ok).toBe(false);
  });

  it("one promise covers every slot, and reports the accepted entries from fromSlot on", () => {
    const a = new Acceptor();
    a.accept({ ballot: ballot(1, 1), slot: 0, command: cmd("s0") });
    a.accept({ ballot: ballot(1, 1), slot: 2, command: cmd("s2") });
    a.accept({ ballot: ballot(1, 1), slot: 5, command: cmd("s5") });
    const p = a.prepare({ ballot: ballot(2, 3), fromSlot: 2 });
    expect(p.ok).toBe(true);
    expect(p.accepted.map((e) => [e.slot, e.command?.id, formatBallot(e.ballot)])).toEqual([
      [2, "s2", "1.1"],
      [5, "s5", "1.1"],
    ]);
    // The promise holds for a slot never mentioned before.
    expect(a.accept({ ballot: ballot(1, 1), slot: 9, command: cmd("late") }).ok).toBe(false);
  });
});
