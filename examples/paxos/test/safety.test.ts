/**
 * Safety under arbitrary interleavings: a seeded randomized simulation in
 * which several proposers (using the replica's PrepareTally/AcceptTally, its
 * phase-1 adoption rule, and its learning of what the promises show chosen)
 * drive real Acceptors through a network that
 * delivers messages in random order, drops some, and lets proposers give up
 * and restart with a higher ballot at any time. For every seed, no two
 * proposers decide different commands for one slot, and no two different
 * commands are ever chosen (accepted by a majority in one ballot). The same
 * simulation with an acceptor that forgets what it accepted when it promises
 * must find a violation — the check can fail.
 */
import { create } from "@bufbuild/protobuf";
import { rng } from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { Acceptor } from "../src/acceptor.js";
import { formatBallot } from "../src/ballot.js";
import {
  type AcceptResponse,
  type Ballot,
  type Command,
  CommandSchema,
  type PrepareRequest,
  type PrepareResponse,
} from "../src/gen/paxos/paxos_pb.js";
import { AcceptTally, chosenInPromises, majority, nextBallot, PrepareTally } from "../src/proposer.js";

type Message =
  | { kind: "prepare"; from: number; to: number; ballot: Ballot; fromSlot: number }
  | { kind: "promise"; from: number; to: number; ballot: Ballot; reply: PrepareResponse }
  | { kind: "accept"; from: number; to: number; ballot: Ballot; slot: number; command: Command }
  | { kind: "accepted"; from: number; to: number; ballot: Ballot; slot: number; reply: AcceptResponse };

interface Proposer {
  id: number;
  ballot: Ballot | undefined;
  highest: Ballot | undefined;
  phase1: PrepareTally | undefined;
  phase2: Map<number, { tally: AcceptTally; command: Command }>;
}

interface Outcome {
  /** Slot → every command some proposer saw decided there (by id). */
  decided: Map<number, Set<string>>;
  /** Slot → every command accepted by a majority in one ballot. */
  chosen: Map<number, Set<string>>;
  /** Times a proposer adopted a command some other proposer had proposed. */
  adoptedForeign: number;
  /** Proposers that got a quorum of promises at least once. */
  leaders: Set<number>;
  /** Slots a new leader found chosen in its promises. */
  learnedFromPromises: number;
}

const SLOTS = 2;

/** Runs one simulation; `makeAcceptor` lets a test swap in a broken acceptor. */
function simulate(seed: number, n: number, proposers: number, steps: number, makeAcceptor: () => Acceptor): Outcome {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const acceptors = Array.from({ length: n }, makeAcceptor);
  const ps: Proposer[] = Array.from({ length: proposers }, (_, i) => ({ id: i + 1, ballot: undefined, highest: undefined, phase1: undefined, phase2: new Map() }));
  const inFlight: Message[] = [];
  const outcome: Outcome = { decided: new Map(), chosen: new Map(), adoptedForeign: 0, leaders: new Set(), learnedFromPromises: 0 };
  // (slot, ballot) → acceptor → command id: to find what a majority accepted in one ballot.
  const votes = new Map<string, Map<number, string>>();

  const send = (m: Message) => {
    if (random() >= 0.1) {
      inFlight.push(m); // 10% of messages are lost
    }
  };
  const add = (map: Map<number, Set<string>>, slot: number, id: string) => {
    const set = map.get(slot) ?? new Set<string>();
    set.add(id);
    map.set(slot, set);
  };

  const start = (p: Proposer) => {
    p.ballot = nextBallot([p.highest, p.ballot], p.id);
    p.phase1 = new PrepareTally(p.ballot, n, 0);
    p.phase2 = new Map();
    for (let to = 0; to < n; to++) {
      send({ kind: "prepare", from: p.id, to, ballot: p.ballot, fromSlot: 0 });
    }
  };

  const phase2 = (p: Proposer, tally: PrepareTally) => {
    outcome.leaders.add(p.id);
    // What the promises show chosen, a new leader learns without phase 2 (as the replica does).
    for (const e of chosenInPromises(tally)) {
      add(outcome.decided, e.slot, e.command?.id ?? "");
      outcome.learnedFromPromises++;
    }
    const forced = new Map(tally.proposals().map((x) => [x.slot, x]));
    for (let slot = 0; slot < SLOTS; slot++) {
      const f = forced.get(slot);
      const own = create(CommandSchema, { id: `p${p.id}-s${slot}-b${formatBallot(p.ballot)}`, op: `s${slot}=p${p.id}` });
      const command = f?.command ?? own;
      if (f?.adopted && !command.id.startsWith(`p${p.id}-`)) {
        outcome.adoptedForeign++;
      }
      p.phase2.set(slot, { tally: new AcceptTally(p.ballot as Ballot, n, slot), command });
      for (let to = 0; to < n; to++) {
        send({ kind: "accept", from: p.id, to, ballot: p.ballot as Ballot, slot, command });
      }
    }
  };

  for (let step = 0; step < steps; step++) {
    const idle = ps.filter((p) => p.ballot === undefined || !inFlight.some((m) => (m.kind === "promise" || m.kind === "accepted") && m.to === p.id));
    // Mostly deliver a random message; sometimes a proposer times out and restarts.
    if (inFlight.length === 0 || random() < 0.08) {
      start(pick(idle.length > 0 && random() < 0.7 ? idle : ps));
      continue;
    }
    const m = inFlight.splice(Math.floor(random() * inFlight.length), 1)[0] as Message;
    const p = ps[m.kind === "promise" || m.kind === "accepted" ? m.to - 1 : m.from - 1] as Proposer;
    switch (m.kind) {
      case "prepare": {
        const req = { ballot: m.ballot, fromSlot: m.fromSlot } as PrepareRequest;
        send({ kind: "promise", from: m.to, to: m.from, ballot: m.ballot, reply: (acceptors[m.to] as Acceptor).prepare(req) });
        break;
      }
      case "accept": {
        const reply = (acceptors[m.to] as Acceptor).accept({ ballot: m.ballot, slot: m.slot, command: m.command });
        if (reply.ok) {
          const key = `${m.slot}@${formatBallot(m.ballot)}`;
          const byAcceptor = votes.get(key) ?? new Map<number, string>();
          byAcceptor.set(m.to, m.command.id);
          votes.set(key, byAcceptor);
          const ids = new Set(byAcceptor.values());
          expect(ids.size, `one ballot proposed two commands for slot ${m.slot}`).toBe(1);
          if (byAcceptor.size >= majority(n)) {
            add(outcome.chosen, m.slot, m.command.id);
          }
        }
        send({ kind: "accepted", from: m.to, to: m.from, ballot: m.ballot, slot: m.slot, reply });
        break;
      }
      case "promise": {
        if (p.ballot !== m.ballot || p.phase1 === undefined) {
          break; // a reply to an abandoned ballot
        }
        if (!m.reply.ok) {
          p.highest = nextBallot([p.highest, m.reply.promised], 0);
        }
        const before = p.phase1.state;
        if (p.phase1.add(m.from + 1, m.reply) === "quorum" && before !== "quorum") {
          phase2(p, p.phase1);
        }
        break;
      }
      case "accepted": {
        const slot = p.phase2.get(m.slot);
        if (p.ballot !== m.ballot || slot === undefined) {
          break;
        }
        const before = slot.tally.state;
        if (slot.tally.add(m.from + 1, m.reply) === "quorum" && before !== "quorum") {
          add(outcome.decided, m.slot, slot.command.id);
        }
        break;
      }
    }
  }
  return outcome;
}

/** An acceptor that does not report what it accepted when it promises: new leaders cannot adopt. */
class ForgetfulAcceptor extends Acceptor {
  override prepare(req: Pick<PrepareRequest, "ballot" | "fromSlot">): PrepareResponse {
    const r = super.prepare(req);
    r.accepted = [];
    return r;
  }
}

const violations = (o: Outcome) =>
  [...o.decided, ...o.chosen].filter(([, ids]) => ids.size > 1).map(([slot, ids]) => `slot ${slot}: ${[...ids].join(" vs ")}`);

describe("randomized interleavings", () => {
  for (const [n, proposers] of [
    [3, 2],
    [3, 3],
    [5, 3],
  ] as const) {
    it(`${proposers} proposers, ${n} acceptors: never two decided commands for one slot (300 seeds)`, () => {
      let decidedRuns = 0;
      let adoptions = 0;
      let contested = 0;
      let learnedFromPromises = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const o = simulate(seed, n, proposers, 200 * n, () => new Acceptor());
        expect(violations(o), `seed ${seed}`).toEqual([]);
        // What a proposer saw decided was indeed chosen.
        for (const [slot, ids] of o.decided) {
          for (const id of ids) {
            expect(o.chosen.get(slot)?.has(id), `seed ${seed} slot ${slot}`).toBe(true);
          }
        }
        decidedRuns += o.decided.size === SLOTS ? 1 : 0;
        adoptions += o.adoptedForeign > 0 ? 1 : 0;
        contested += o.leaders.size > 1 ? 1 : 0;
        learnedFromPromises += o.learnedFromPromises > 0 ? 1 : 0;
      }
      // The runs are not vacuous: most decide every slot, most have several
      // leaders, and many go through adoption of another proposer's value.
      expect(decidedRuns).toBeGreaterThan(250);
      expect(contested).toBeGreaterThan(200);
      expect(adoptions).toBeGreaterThan(50);
      expect(learnedFromPromises).toBeGreaterThan(50);
    });
  }

  it("finds a violation when acceptors forget their accepted values (the check can fail)", () => {
    const bad = Array.from({ length: 300 }, (_, i) => simulate(i + 1, 3, 3, 400, () => new ForgetfulAcceptor())).filter((o) => violations(o).length > 0);
    expect(bad.length).toBeGreaterThan(0);
  });
});
