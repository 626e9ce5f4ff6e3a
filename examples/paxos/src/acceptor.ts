// The acceptor of Multi-Paxos: one promise for all slots, and per slot the
// command accepted in the highest ballot.
import { create } from "@bufbuild/protobuf";
import { compareBallots, ZERO_BALLOT } from "./ballot.js";
import {
  type AcceptRequest,
  type AcceptResponse,
  AcceptResponseSchema,
  type AcceptedEntry,
  AcceptedEntrySchema,
  type Ballot,
  type PrepareRequest,
  type PrepareResponse,
  PrepareResponseSchema,
} from "./gen/paxos/paxos_pb.js";

/** The request fields the acceptor reads (a generated message or a plain object). */
export type PrepareArgs = Pick<PrepareRequest, "ballot" | "fromSlot">;
export type AcceptArgs = Pick<AcceptRequest, "ballot" | "slot" | "command">;

/**
 * An acceptor. Its state is the promised ballot (shared by every slot: a
 * Prepare covers all slots from its from_slot on, which is what lets a
 * Multi-Paxos leader run phase 1 once per ballot) and, per slot, the ballot
 * and command it last accepted.
 *
 * - Prepare(b) is promised only if b is higher than every ballot promised
 *   before (ballots are unique per replica, so "higher" and not "at least":
 *   a proposer never prepares the same ballot twice).
 * - Accept(b) is accepted if b is at least the promised ballot; accepting
 *   also promises b.
 */
export class Acceptor {
  private promisedBallot: Ballot = ZERO_BALLOT;
  private readonly accepted = new Map<number, AcceptedEntry>();

  /** The highest ballot this acceptor promised (or accepted). */
  get promised(): Ballot {
    return this.promisedBallot;
  }

  /** Phase 1b: promise, reporting the entries accepted from `fromSlot` on, or refuse. */
  prepare(req: PrepareArgs): PrepareResponse {
    if (req.ballot === undefined || compareBallots(req.ballot, this.promisedBallot) <= 0) {
      return create(PrepareResponseSchema, { ok: false, promised: this.promisedBallot });
    }
    this.promisedBallot = req.ballot;
    const accepted = [...this.accepted.values()].filter((e) => e.slot >= req.fromSlot).sort((a, b) => a.slot - b.slot);
    return create(PrepareResponseSchema, { ok: true, promised: this.promisedBallot, accepted });
  }

  /** Phase 2b: accept the command for the slot, or refuse. */
  accept(req: AcceptArgs): AcceptResponse {
    if (req.ballot === undefined || compareBallots(req.ballot, this.promisedBallot) < 0) {
      return create(AcceptResponseSchema, { ok: false, promised: this.promisedBallot });
    }
    this.promisedBallot = req.ballot;
    this.accepted.set(req.slot, create(AcceptedEntrySchema, { slot: req.slot, ballot: req.ballot, command: req.command }));
    return create(AcceptResponseSchema, { ok: true, promised: this.promisedBallot });
  }

  /** What this acceptor accepted in a slot, if anything. */
  acceptedIn(slot: number): AcceptedEntry | undefined {
    return this.accepted.get(slot);
  }
}
