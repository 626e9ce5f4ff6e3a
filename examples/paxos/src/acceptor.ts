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
import type { StableState, StableStorage } from "./storage.js";

/** The request fields the acceptor reads (a generated message or a plain object). */
export type PrepareArgs = Pick<PrepareRequest, "ballot" | "fromSlot">;
/** The request fields the acceptor reads in phase 2. */
export type AcceptArgs = Pick<AcceptRequest, "ballot" | "slot" | "command">;

/** Where an acceptor keeps its state beyond memory. */
export interface AcceptorOptions {
  /** Records every promise and acceptance durably before the reply is returned (default: memory only). */
  storage?: StableStorage;
  /** The state to start from: what the storage held after a restart (default: nothing promised or accepted). */
  restored?: StableState;
}

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
 *
 * With `storage`, a promise or acceptance is written to stable storage
 * before the method returns its reply (and before memory changes, so a
 * failed write changes nothing and the caller's handler fails instead of
 * answering): an acceptor restarted from `restored` never breaks a promise
 * it gave or forgets a value it accepted, which Paxos needs to be safe
 * across crashes.
 */
export class Acceptor {
  private promisedBallot: Ballot;
  private readonly accepted: Map<number, AcceptedEntry>;
  private readonly storage: StableStorage | undefined;

  constructor(opts: AcceptorOptions = {}) {
    this.storage = opts.storage;
    this.promisedBallot = opts.restored?.promised ?? ZERO_BALLOT;
    this.accepted = new Map(opts.restored?.accepted ?? []);
  }

  /** The highest ballot this acceptor promised (or accepted). */
  get promised(): Ballot {
    return this.promisedBallot;
  }

  /** Phase 1b: promise, reporting the entries accepted from `fromSlot` on, or refuse. */
  prepare(req: PrepareArgs): PrepareResponse {
    if (req.ballot === undefined || compareBallots(req.ballot, this.promisedBallot) <= 0) {
      return create(PrepareResponseSchema, { ok: false, promised: this.promisedBallot });
    }
    this.storage?.promise(req.ballot);
    this.promisedBallot = req.ballot;
    const accepted = [...this.accepted.values()].filter((e) => e.slot >= req.fromSlot).sort((a, b) => a.slot - b.slot);
    return create(PrepareResponseSchema, { ok: true, promised: this.promisedBallot, accepted });
  }

  /** Phase 2b: accept the command for the slot, or refuse. */
  accept(req: AcceptArgs): AcceptResponse {
    if (req.ballot === undefined || compareBallots(req.ballot, this.promisedBallot) < 0) {
      return create(AcceptResponseSchema, { ok: false, promised: this.promisedBallot });
    }
    const entry = create(AcceptedEntrySchema, { slot: req.slot, ballot: req.ballot, command: req.command });
    this.storage?.accept(entry);
    this.promisedBallot = req.ballot;
    this.accepted.set(req.slot, entry);
    return create(AcceptResponseSchema, { ok: true, promised: this.promisedBallot });
  }

  /** What this acceptor accepted in a slot, if anything. */
  acceptedIn(slot: number): AcceptedEntry | undefined {
    return this.accepted.get(slot);
  }
}
