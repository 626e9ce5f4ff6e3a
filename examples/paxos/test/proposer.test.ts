/**
 * The proposer's bookkeeping (PrepareTally, AcceptTally, nextBallot), alone
 * and driving real Acceptors: a higher ballot wins over a lower one, a new
 * leader adopts the value accepted in the highest ballot, and it learns
 * without phase 2 only what every promise of its quorum reports accepted in
 * one ballot.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Acceptor } from "../src/acceptor.js";
import { ballot, formatBallot } from "../src/ballot.js";
import { AcceptedEntrySchema, AcceptResponseSchema, PrepareResponseSchema, type Ballot } from "../src/gen/paxos/paxos_pb.js";
import { AcceptTally, chosenInPromises, majority, nextBallot, PrepareTally } from "../src/proposer.js";
import { command as cmd } from "./helpers.js";

const yes = () => create(AcceptResponseSchema, { ok: true });
const no = (promised: Ballot) => create(AcceptResponseSchema, { ok: false, promised });
const promise = (entries: Array<[slot: number, b: Ballot, id: string]>) =>
  create(PrepareResponseSchema, {
    ok: true,
    accepted: entries.map(([slot, b, id]) => create(AcceptedEntrySchema, { slot, ballot: b, command: cmd(id) })),
  });

describe("tallies", () => {
  it("majority is ⌊n/2⌋+1", () => {
    expect([1, 2, 3, 4, 5, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4]);
  });

  it("reach a quorum with a majority of distinct nodes; a node's second reply does not count", () => {
    const t = new AcceptTally(ballot(1, 1), 5, 0);
    expect(t.add(1, yes())).toBe("pending");
    expect(t.add(1, yes())).toBe("pending");
    expect(t.add(2, yes())).toBe("pending");
    expect(t.add(3, yes())).toBe("quorum");
  });

  it("fail once errors leave too few nodes", () => {
    const t = new AcceptTally(ballot(1, 1), 5, 0);
    expect(t.fail(1)).toBe("pending");
    expect(t.add(2, yes())).toBe("pending");
    expect(t.fail(3)).toBe("pending");
    expect(t.fail(4)).toBe("failed");
  });

  it("fail at the first refusal, without waiting for the other replies, and keep the highest refused ballot", () => {
    const t = new PrepareTally(ballot(1, 1), 3, 0);
    expect(t.add(1, promise([]))).toBe("pending");
    // Replica 3 does not answer; replica 2's refusal is enough to give up.
    expect(t.add(2, create(PrepareResponseSchema, { ok: false, promised: ballot(4, 2) }))).toBe("failed");
    expect(formatBallot(t.highestRefusal)).toBe("4.2");
    const a = new AcceptTally(ballot(1, 1), 5, 0);
    a.add(1, no(ballot(4, 2)));
    expect(a.add(2, no(ballot(6, 3)))).toBe("failed");
    expect(formatBallot(a.highestRefusal)).toBe("6.3");
  });

  it("nextBallot is above every ballot seen and owned by the caller", () => {
    expect(formatBallot(nextBallot([ballot(3, 2), undefined, ballot(5, 1)], 4))).toBe("6.4");
    expect(formatBallot(nextBallot([], 2))).toBe("1.2");
  });
});

describe("phase 1 proposals", () => {
  it("adopt, per slot, the value accepted in the highest ballot; fill gaps with no-ops; ignore slots below fromSlot", () => {
    const t = new PrepareTally(ballot(9, 1), 3, 1);
    t.add(1, promise([[0, ballot(1, 1), "old"], [1, ballot(2, 2), "low"], [4, ballot(3, 3), "far"]]));
    t.add(2, promise([[1, ballot(5, 3), "high"], [2, ballot(1, 2), "two"]]));
    expect(t.state).toBe("quorum");
    expect(t.proposals().map((p) => [p.slot, p.command.id, p.adopted])).toEqual([
      [1, "high", true],
      [2, "two", true],
      [3, "", false],
      [4, "far", true],
    ]);
  });

  it("are empty when no promise reports anything, and need a quorum first", () => {
    const t = new PrepareTally(ballot(1, 1), 3, 0);
    t.add(1, promise([]));
    expect(() => t.proposals()).toThrow(/no quorum/);
    t.add(3, promise([]));
    expect(t.proposals()).toEqual([]);
  });
});

describe("chosen in the promises", () => {
  it("is what every promise of the quorum reports with the same ballot and command, from fromSlot on", () => {
    const t = new PrepareTally(ballot(9, 1), 5, 1);
    t.add(1, promise([[0, ballot(1, 1), "below"], [1, ballot(2, 2), "a"], [2, ballot(3, 3), "b"], [3, ballot(4, 1), "c"], [5, ballot(4, 1), "e"]]));
    t.add(4, promise([[0, ballot(1, 1), "below"], [1, ballot(2, 2), "a"], [2, ballot(2, 2), "b"], [3, ballot(4, 1), "c"], [5, ballot(4, 1), "e"]]));
    expect(() => chosenInPromises(t)).toThrow(/no quorum/);
    // A reply that does not count (a refusal) does not matter.
    t.add(2, create(PrepareResponseSchema, { ok: false, promised: ballot(10, 2) }));
    t.add(5, promise([[1, ballot(2, 2), "a"], [2, ballot(3, 3), "b"], [3, ballot(4, 1), "c"], [4, ballot(4, 1), "d"]]));
    expect(t.state).toBe("quorum");
    // Slot 1 and 3: a majority (1, 4, 5) accepted them in one ballot. Slot 2: two
    // ballots. Slot 4 and 5: one promise lacks them. Slot 0: below fromSlot.
    expect(chosenInPromises(t).map((e) => [e.slot, e.command?.id, formatBallot(e.ballot)])).toEqual([
      [1, "a", "2.2"],
      [3, "c", "4.1"],
    ]);
  });
});

describe("proposers against acceptors", () => {
  const acceptors = () => [new Acceptor(), new Acceptor(), new Acceptor()];

  it("a higher ballot wins: the lower proposer's accepts are refused, naming the higher ballot", () => {
    const as = acceptors();
    const b1 = ballot(1, 1);
    const b2 = ballot(2, 2);
    const p1 = new PrepareTally(b1, 3, 0);
    as.forEach((a, i) => p1.add(i + 1, a.prepare({ ballot: b1, fromSlot: 0 })));
    expect(p1.state).toBe("quorum");
    const p2 = new PrepareTally(b2, 3, 0);
    as.forEach((a, i) => p2.add(i + 1, a.prepare({ ballot: b2, fromSlot: 0 })));
    expect(p2.state).toBe("quorum");

    const lost = new AcceptTally(b1, 3, 0);
    as.forEach((a, i) => lost.add(i + 1, a.accept({ ballot: b1, slot: 0, command: cmd("one") })));
    expect(lost.state).toBe("failed");
    expect(formatBallot(lost.highestRefusal)).toBe("2.2");
    const won = new AcceptTally(b2, 3, 0);
    as.forEach((a, i) => won.add(i + 1, a.accept({ ballot: b2, slot: 0, command: cmd("two") })));
    expect(won.state).toBe("quorum");
    expect(as.map((a) => a.acceptedIn(0)?.command?.id)).toEqual(["two", "two", "two"]);
  });

  it("a new leader adopts a value a minority accepted earlier, and decides it instead of its own", () => {
    const as = acceptors();
    const b1 = ballot(1, 1);
    as.forEach((a) => a.prepare({ ballot: b1, fromSlot: 0 }));
    // Proposer 1's Accept reaches acceptor 1 only, then proposer 1 stops.
    expect(as[0]!.accept({ ballot: b1, slot: 0, command: cmd("first") }).ok).toBe(true);

    // Proposer 2 hears from acceptors 1 and 2: a quorum, which includes acceptor 1.
    const b2 = ballot(2, 2);
    const p2 = new PrepareTally(b2, 3, 0);
    p2.add(2, as[1]!.prepare({ ballot: b2, fromSlot: 0 }));
    p2.add(1, as[0]!.prepare({ ballot: b2, fromSlot: 0 }));
    const [proposal, ...rest] = p2.proposals();
    expect(rest).toEqual([]);
    expect(proposal).toMatchObject({ slot: 0, adopted: true, command: { id: "first" } });

    const t = new AcceptTally(b2, 3, 0);
    t.add(2, as[1]!.accept({ ballot: b2, slot: 0, command: proposal!.command }));
    t.add(3, as[2]!.accept({ ballot: b2, slot: 0, command: proposal!.command }));
    expect(t.state).toBe("quorum");
    expect(as.map((a) => a.acceptedIn(0)?.command?.id)).toEqual(["first", "first", "first"]);
  });
});
