// The proposer's bookkeeping, free of I/O: counting promises and acceptances
// towards a majority, and choosing what to propose after phase 1. The replica
// feeds these from quorum calls; the tests feed them by hand.
import { create } from "@bufbuild/protobuf";
import { ballot, compareBallots, maxBallot } from "./ballot.js";
import { type AcceptResponse, type AcceptedEntry, type Ballot, type Command, CommandSchema, type PrepareResponse } from "./gen/paxos/paxos_pb.js";

/** The no-op command a new leader proposes for a slot it found empty. */
export const NOOP: Command = create(CommandSchema, { id: "", op: "" });

/** ⌊n/2⌋+1: the size of a quorum of n replicas. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** "pending" until a majority said yes ("quorum"), or some replica refused or a majority can no longer say yes ("failed"). */
export type TallyState = "pending" | "quorum" | "failed";

/**
 * Counts the replies of one phase of one ballot among n replicas. A node
 * counts once (its first reply). Errors count against. A refusal fails the
 * ballot at once: another proposer prepared a higher one, and waiting for
 * the other replies would only stall the proposer behind a replica that
 * does not answer (cut away, or stopped) until the call's deadline, while
 * the higher ballot takes the acceptors. The refusal's promised ballot is
 * kept, so that the next ballot can be higher.
 */
abstract class Tally<R extends { ok: boolean; promised?: Ballot }> {
  protected readonly oks = new Map<number, R>();
  private readonly against = new Set<number>();
  private refused = false;
  private highest: Ballot | undefined;

  constructor(
    /** The ballot being counted. */
    readonly ballot: Ballot,
    /** Number of replicas (not only the connected ones). */
    readonly n: number,
  ) {}

  /** Where the count stands. */
  get state(): TallyState {
    if (this.oks.size >= majority(this.n)) {
      return "quorum";
    }
    return this.refused || this.n - this.against.size < majority(this.n) ? "failed" : "pending";
  }

  /** A node's reply. */
  add(nodeID: number, reply: R): TallyState {
    if (this.oks.has(nodeID) || this.against.has(nodeID)) {
      return this.state;
    }
    if (reply.ok) {
      this.oks.set(nodeID, reply);
    } else {
      this.against.add(nodeID);
      this.refused = true;
      if (compareBallots(reply.promised, this.highest) > 0) {
        this.highest = reply.promised;
      }
    }
    return this.state;
  }

  /** A node that failed to answer. */
  fail(nodeID: number): TallyState {
    if (!this.oks.has(nodeID)) {
      this.against.add(nodeID);
    }
    return this.state;
  }

  /**
   * Counts a quorum call's replies as they arrive (an error counts against),
   * and stops reading — which ends the call — once a majority said yes or
   * no longer can.
   */
  async count(replies: AsyncIterable<{ readonly nodeID: number; readonly value?: R; readonly error?: Error }>): Promise<TallyState> {
    for await (const r of replies) {
      const state = r.error !== undefined || r.value === undefined ? this.fail(r.nodeID) : this.add(r.nodeID, r.value);
      if (state !== "pending") {
        return state;
      }
    }
    return this.state;
  }

  /** The highest ballot a refusal named: some other proposer's. */
  get highestRefusal(): Ballot | undefined {
    return this.highest;
  }
}

/** The promises of phase 1. */
export class PrepareTally extends Tally<PrepareResponse> {
  constructor(ballot: Ballot, n: number, readonly fromSlot: number) {
    super(ballot, n);
  }

  /** The promises counted so far (one per node). */
  promises(): PrepareResponse[] {
    return [...this.oks.values()];
  }

  /**
   * What the new leader must propose first, once it has a quorum of
   * promises: for every slot from fromSlot to the highest slot any promise
   * reported, the command accepted there in the highest ballot (adopted), or
   * a no-op if no promise reported the slot. Slots after those are free.
   */
  proposals(): Array<{ slot: number; command: Command; adopted: boolean; from?: Ballot }> {
    if (this.state !== "quorum") {
      throw new Error("paxos: no quorum of promises yet");
    }
    const best = new Map<number, AcceptedEntry>();
    for (const reply of this.oks.values()) {
      for (const e of reply.accepted) {
        if (e.slot < this.fromSlot) {
          continue;
        }
        const seen = best.get(e.slot);
        if (seen === undefined || compareBallots(e.ballot, seen.ballot) > 0) {
          best.set(e.slot, e);
        }
      }
    }
    if (best.size === 0) {
      return [];
    }
    const last = Math.max(...best.keys());
    const out: Array<{ slot: number; command: Command; adopted: boolean; from?: Ballot }> = [];
    for (let slot = this.fromSlot; slot <= last; slot++) {
      const e = best.get(slot);
      out.push(
        e === undefined
          ? { slot, command: NOOP, adopted: false }
          : { slot, command: e.command ?? NOOP, adopted: true, ...(e.ballot !== undefined ? { from: e.ballot } : {}) },
      );
    }
    return out;
  }
}

/**
 * The entries that the quorum of promises shows to be chosen already: every
 * promise reports the same command accepted in the same ballot for the
 * slot, so a majority accepted it in one ballot — which is what "chosen"
 * means in Paxos. A new leader learns these without running phase 2 for
 * them; a replica that restarted or missed Learn messages catches up in one
 * round trip. Slots from fromSlot on, in slot order.
 */
export function chosenInPromises(tally: PrepareTally): AcceptedEntry[] {
  if (tally.state !== "quorum") {
    throw new Error("paxos: no quorum of promises yet");
  }
  const replies = tally.promises();
  const [first, ...rest] = replies;
  if (first === undefined) {
    return [];
  }
  const others = rest.map((r) => new Map(r.accepted.map((o) => [o.slot, o])));
  const out: AcceptedEntry[] = [];
  for (const e of first.accepted) {
    if (e.slot < tally.fromSlot) {
      continue;
    }
    const same = (o: AcceptedEntry | undefined) =>
      o !== undefined && compareBallots(o.ballot, e.ballot) === 0 && o.command?.id === e.command?.id && o.command?.op === e.command?.op;
    if (others.every((m) => same(m.get(e.slot)))) {
      out.push(e);
    }
  }
  return out.sort((a, b) => a.slot - b.slot);
}

/** The acceptances of phase 2 for one slot. */
export class AcceptTally extends Tally<AcceptResponse> {
  constructor(ballot: Ballot, n: number, readonly slot: number) {
    super(ballot, n);
  }
}

/** The ballot to try next: a round above every round seen, owned by `node`. */
export function nextBallot(seen: readonly (Ballot | undefined)[], node: number): Ballot {
  let top: Ballot | undefined;
  for (const b of seen) {
    top = maxBallot(top, b);
  }
  return ballot((top?.round ?? 0) + 1, node);
}
