// A Paxos replica on a symmetric gorums System: acceptor, learner and
// proposer in one. Prepare and Accept are quorum calls over the System's
// inboundConfig() (every connected replica, this one included and served
// in-process); Learn is a multicast over the same configuration.
import { create } from "@bufbuild/protobuf";
import type { ServerCtx, System } from "@gorums/runtime";
import { Acceptor } from "./acceptor.js";
import { compareBallots, ZERO_BALLOT } from "./ballot.js";
import { accept, learn, type PaxosServer, prepare, registerPaxosServer } from "./gen/paxos/paxos_gorums.js";
import { type Ballot, type Command, CommandSchema, type SubmitRequest, type SubmitResponse, SubmitResponseSchema } from "./gen/paxos/paxos_pb.js";
import { Learner } from "./learner.js";
import { AcceptTally, chosenInPromises, nextBallot, PrepareTally } from "./proposer.js";
import type { StableState, StableStorage } from "./storage.js";

/** How a replica behaves. */
export interface ReplicaOptions {
  /** Number of replicas in the system: quorums are majorities of this. */
  n: number;
  /** Deadline of each quorum call (default 2000 ms). */
  callTimeoutMs?: number;
  /** Random numbers in [0, 1) for backoff (default Math.random). */
  random?: () => number;
  /**
   * Stable storage (see storage.ts): the acceptor records its promises and
   * acceptances, and the proposer each ballot before it sends Prepare for
   * it. Default: memory only, for replicas that are never restarted.
   */
  storage?: StableStorage;
  /** What `storage` held when this replica (re)started: the acceptor resumes from it, the proposer's ballots start above it. */
  restored?: StableState;
  /** Called each time this replica becomes leader: a quorum promised `ballot`. */
  onLead?: (ballot: Ballot) => void;
}

/** What a replica's proposer did, for the summary. */
export interface ProposerStats {
  /** Ballots this replica ran phase 1 for. */
  prepares: number;
  /** Ballots in which it became leader (a quorum promised). */
  ledBallots: number;
  /** Times a higher ballot (or too few replies) made it back off and start over with phase 1. */
  preempted: number;
  /** Slots it decided. */
  decided: number;
  /** Values accepted in an earlier ballot that it adopted and proposed again. */
  adopted: number;
  /** Empty slots below a used one that it filled with a no-op. */
  noops: number;
}

/** Slots a new leader runs phase 2 for at once when the promises force values on it. */
const PHASE2_WINDOW = 64;

interface Pending {
  command: Command;
  reject(err: Error): void;
}

/**
 * One replica. Proposing is Multi-Paxos: a replica that has commands to
 * propose becomes leader by running phase 1 once for a new ballot (over all
 * slots from its first undecided one), learns the slots the promises show
 * chosen (a majority accepted them in one ballot), proposes what the
 * promises force it to (the values accepted in the highest ballot, no-ops in
 * gaps; up to PHASE2_WINDOW slots at once), then runs only phase 2 for each
 * further command, slot after slot, until an acceptor refuses because some
 * other replica prepared a higher ballot. Then it backs off for a random
 * while and runs phase 1 again with a ballot above the highest it heard of.
 *
 * With `storage`, a replica can crash and restart from what it recorded:
 * the acceptor's promises and accepted values, and the last ballot the
 * proposer used (recorded before its Prepare is sent). The learner is not
 * recorded: a restarted replica learns the log again as it leads or is told.
 */
export class Replica {
  /** This replica's acceptor (durable when the options give storage). */
  readonly acceptor: Acceptor;
  readonly learner = new Learner();
  readonly stats: ProposerStats = { prepares: 0, ledBallots: 0, preempted: 0, decided: 0, adopted: 0, noops: 0 };
  private readonly queue: Pending[] = [];
  /** The ballot this proposer last used (a restarted one starts from the restored one, never reusing it). */
  private ballot: Ballot;
  private highestSeen: Ballot = ZERO_BALLOT;
  private leading = false;
  private nextSlot = 0;
  private running = false;
  private failures = 0;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(
    /** The System this replica runs on. */
    readonly system: System,
    private readonly opts: ReplicaOptions,
  ) {
    this.acceptor = new Acceptor({
      ...(opts.storage !== undefined ? { storage: opts.storage } : {}),
      ...(opts.restored !== undefined ? { restored: opts.restored } : {}),
    });
    this.ballot = opts.restored?.proposed ?? ZERO_BALLOT;
    this.timeoutMs = opts.callTimeoutMs ?? 2000;
    this.random = opts.random ?? Math.random;
    system.registerService((srv) => registerPaxosServer(srv, this.handlers()), { close: () => this.close() });
  }

  /** This replica's node ID. */
  get id(): number {
    return this.system.myID;
  }

  /**
   * Gets a command into the log (with this replica as its proposer) and
   * resolves once it is applied here — every slot before it decided — with
   * the slot where it was decided and its result (a get's value, a put's
   * previous value). A command already applied is not proposed again.
   *
   * When `signal` aborts first (the Submit handler passes its ctx.signal:
   * the caller's deadline passed, it cancelled, its stream ended), rejects
   * with the signal's reason. The command stays queued for the proposer (a
   * client retries with the same id, and finds it applied), but nothing
   * waits for it here any more: neither then nor when the replica stops.
   */
  async submit(command: Command, signal?: AbortSignal): Promise<{ slot: number; ballot: Ballot | undefined; result: string }> {
    if (command.id === "") {
      throw new Error("paxos: a command needs an id");
    }
    if (this.closed) {
      throw new Error("paxos: replica stopped");
    }
    signal?.throwIfAborted();
    // Aborted once this call is over, however it ended: the learner then forgets its waiter.
    const over = new AbortController();
    try {
      const applied = this.learner.whenApplied(command.id, signal === undefined ? over.signal : AbortSignal.any([signal, over.signal]));
      let done = this.learner.applied(command.id) ? await applied : undefined;
      if (done === undefined) {
        const stopped = new Promise<never>((_, reject) => {
          this.queue.push({ command, reject });
        });
        void this.run();
        done = await Promise.race([applied, stopped]);
      }
      return { slot: done.slot, ballot: this.learner.entry(done.slot)?.ballot, result: done.result };
    } finally {
      over.abort();
    }
  }

  /** Rejects every command still waiting; the System's stop calls this. */
  close(): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) {
      p.reject(new Error("paxos: replica stopped"));
    }
  }

  private handlers(): PaxosServer {
    return {
      prepare: (_ctx, req) => {
        this.heard(req.ballot);
        return this.acceptor.prepare(req);
      },
      accept: (_ctx, req) => {
        this.heard(req.ballot);
        return this.acceptor.accept(req);
      },
      learn: (_ctx, req) => {
        this.learner.learn(req.slot, req.command ?? create(CommandSchema), req.ballot);
      },
      submit: async (ctx: ServerCtx, req: SubmitRequest): Promise<SubmitResponse> => {
        // Let the client's next Submit on this stream start while this one is being decided.
        ctx.release();
        if (req.command === undefined || req.command.id === "") {
          throw new Error("paxos: Submit needs a command with an id");
        }
        const { slot, ballot, result } = await this.submit(req.command, ctx.signal);
        return create(SubmitResponseSchema, { slot, ballot, replica: this.id, result });
      },
    };
  }

  /** Remembers the highest ballot seen, so that the next one can be higher. */
  private heard(b: Ballot | undefined): void {
    if (compareBallots(b, this.highestSeen) > 0 && b !== undefined) {
      this.highestSeen = b;
    }
  }

  /** The proposer loop: runs while commands wait; one loop per replica. */
  private async run(): Promise<void> {
    if (this.running) {
      return;
    }
    this.running = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const head = this.queue[0] as Pending;
        if (this.learner.applied(head.command.id)) {
          this.queue.shift(); // decided (by us, or adopted and decided by another leader) and applied
          continue;
        }
        // Decided but not applied: a slot before it is unknown here (a Learn
        // missed); phase 1 learns it or fills it, proposing it again would not.
        const gap = this.learner.slotOf(head.command.id) !== undefined;
        // Our own acceptor promised a higher ballot: another replica leads now, phase 2 would be refused.
        const preempted = this.leading && compareBallots(this.acceptor.promised, this.ballot) > 0;
        const ok = preempted ? false : this.leading && !gap ? await this.propose(this.freeSlot(), head.command) : await this.becomeLeader();
        if (ok) {
          this.failures = 0;
        } else {
          this.leading = false;
          this.stats.preempted++;
          await this.backoff();
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The next slot this leader may fill: past every slot it used or learned. */
  private freeSlot(): number {
    let slot = Math.max(this.nextSlot, this.learner.firstUndecided);
    while (this.learner.has(slot)) {
      slot++;
    }
    return slot;
  }

  /** Phase 1 for a new ballot, then phase 2 for the values the promises force. */
  private async becomeLeader(): Promise<boolean> {
    this.ballot = nextBallot([this.highestSeen, this.acceptor.promised, this.ballot], this.id);
    // Durable before any acceptor can see it: some may promise (and later
    // accept) this ballot even if our own acceptor never gets to, so a
    // restarted proposer must start above it, not above its own promise.
    this.opts.storage?.propose(this.ballot);
    this.heard(this.ballot);
    this.stats.prepares++;
    const fromSlot = this.learner.firstUndecided;
    const tally = new PrepareTally(this.ballot, this.opts.n, fromSlot);
    const ctx = this.system.inboundConfig().context({ timeoutMs: this.timeoutMs });
    await tally.count(prepare(ctx, { ballot: this.ballot, fromSlot }).results());
    this.heard(tally.highestRefusal);
    if (tally.state !== "quorum") {
      return false;
    }
    this.leading = true;
    this.stats.ledBallots++;
    this.opts.onLead?.(this.ballot);
    this.nextSlot = fromSlot;
    // What a majority accepted in one ballot is decided: learn it, no phase 2 needed.
    for (const e of chosenInPromises(tally)) {
      this.learner.learn(e.slot, e.command ?? create(CommandSchema), e.ballot);
    }
    // Phase 2 for what the promises force, many slots at once: a replica
    // that restarted or missed Learn messages may have hundreds to fill.
    const forced = tally.proposals().filter((p) => !this.learner.has(p.slot));
    for (let i = 0; i < forced.length; i += PHASE2_WINDOW) {
      const batch = forced.slice(i, i + PHASE2_WINDOW);
      const oks = await Promise.all(batch.map((p) => this.propose(p.slot, p.command)));
      for (const [j, p] of batch.entries()) {
        if (oks[j] === true) {
          if (p.adopted) {
            this.stats.adopted++;
          } else {
            this.stats.noops++;
          }
        }
      }
      if (!oks.every(Boolean)) {
        return false;
      }
    }
    return true;
  }

  /** Phase 2 for one slot in the current ballot; on a quorum, tells every replica. */
  private async propose(slot: number, command: Command): Promise<boolean> {
    const ballot = this.ballot;
    const tally = new AcceptTally(ballot, this.opts.n, slot);
    const config = this.system.inboundConfig();
    await tally.count(accept(config.context({ timeoutMs: this.timeoutMs }), { ballot, slot, command }).results());
    this.heard(tally.highestRefusal);
    if (tally.state !== "quorum") {
      return false;
    }
    this.stats.decided++;
    this.nextSlot = Math.max(this.nextSlot, slot + 1);
    this.learner.learn(slot, command, ballot);
    // Not awaited: the multicast resolves once written to every replica's
    // stream, and the stream of a replica that takes no data (stopped, or cut
    // away with its connection left open) fills up; waiting for it would hold
    // this proposer — every slot — until the deadline. The deadline drops
    // what was not written by then.
    learn(config.context({ timeoutMs: this.timeoutMs }), { slot, command, ballot }).catch(() => {
      // Sent to every connected replica; one that missed it finds the slot's
      // value in the promises when it next leads.
    });
    return true;
  }

  /** Waits a random while, longer after each failure in a row (at most about 100 ms). */
  private async backoff(): Promise<void> {
    this.failures++;
    const capMs = Math.min(100, 5 * 2 ** Math.min(this.failures, 5));
    await new Promise((resolve) => setTimeout(resolve, 1 + this.random() * capMs));
  }
}
