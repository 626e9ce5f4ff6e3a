// The learner: decided slots, applied to a key-value store strictly in slot
// order (a slot waits for every slot before it).
import { formatBallot } from "./ballot.js";
import type { Ballot, Command } from "./gen/paxos/paxos_pb.js";
import { applyOp } from "./kv-command.js";

/** One decided slot of the log. */
export interface LogEntry {
  slot: number;
  command: Command;
  ballot: Ballot | undefined;
  /** Set when the command was already applied in an earlier slot: it is skipped. */
  duplicateOf?: number;
}

/** What `Learner.onLearn` reports: a slot, the command decided there, and the ballot that decided it. */
export interface LearnedEntry {
  slot: number;
  command: Command;
  ballot: Ballot | undefined;
  /** True when the slot was known with a different command: a safety violation. */
  conflict: boolean;
}

/** What applying a command gave: the slot where it was applied, and its result (kv-command.ts applyOp). */
export interface Applied {
  slot: number;
  result: string;
}

/**
 * Decided slots, and the state machine they drive (kv-command.ts): "key=value"
 * sets a key, "key?" reads one, each with a result. A command's id is
 * unique, so a command decided in two slots (a proposer retried it in a new
 * slot while an earlier attempt was later adopted by another leader) is
 * applied once, at its first slot, and has that one result.
 */
export class Learner {
  private readonly decided = new Map<number, LogEntry>();
  private readonly firstSlotOf = new Map<string, number>();
  private readonly appliedAt = new Map<string, Applied>();
  /** Per command id, the callbacks of the whenApplied calls still waiting (a Set: an abandoned one leaves in O(1)). */
  private readonly applyWaiters = new Map<string, Set<(applied: Applied) => void>>();
  private readonly onApplyListeners: Array<() => void> = [];
  private readonly onLearnListeners: Array<(entry: LearnedEntry) => void> = [];
  private nextSlot = 0;
  /** The key-value store the log builds. */
  readonly state = new Map<string, string>();
  /** Slots learned with two different commands: a safety violation (never expected). */
  readonly conflicts: string[] = [];

  /** Records that a slot is decided; false if it was known already. */
  learn(slot: number, command: Command, ballot?: Ballot): boolean {
    const known = this.decided.get(slot);
    if (known !== undefined) {
      if (known.command.id !== command.id || known.command.op !== command.op) {
        this.conflicts.push(`slot ${slot}: ${describe(known.command)} and ${describe(command)} (ballot ${formatBallot(ballot)})`);
        this.notifyLearned({ slot, command, ballot, conflict: true });
      }
      return false;
    }
    this.decided.set(slot, { slot, command, ballot });
    this.notifyLearned({ slot, command, ballot, conflict: false });
    if (command.id !== "") {
      const first = this.firstSlotOf.get(command.id);
      if (first === undefined || slot < first) {
        this.firstSlotOf.set(command.id, slot);
      }
    }
    this.applyReady();
    return true;
  }

  /** Whether a slot is decided. */
  has(slot: number): boolean {
    return this.decided.has(slot);
  }

  /** The first slot not applied yet: every slot below it is decided and applied. */
  get firstUndecided(): number {
    return this.nextSlot;
  }

  /** The lowest slot where the command with this id is decided, if any. */
  slotOf(id: string): number | undefined {
    return this.firstSlotOf.get(id);
  }

  /** The decided entry of a slot. */
  entry(slot: number): LogEntry | undefined {
    return this.decided.get(slot);
  }

  /**
   * Resolves once the command with this id is applied (every slot before it
   * decided), with its slot and result. When `signal` aborts first, rejects
   * with its reason and forgets the waiter, so a caller that stops waiting
   * (its deadline passed, it was cancelled, its replica stopped) leaves
   * nothing behind for a command that is never applied.
   */
  whenApplied(id: string, signal?: AbortSignal): Promise<Applied> {
    const applied = this.appliedAt.get(id);
    if (applied !== undefined) {
      return Promise.resolve(applied);
    }
    if (signal?.aborted === true) {
      return Promise.reject(signal.reason);
    }
    return new Promise((resolve, reject) => {
      let waiters = this.applyWaiters.get(id);
      if (waiters === undefined) {
        waiters = new Set();
        this.applyWaiters.set(id, waiters);
      }
      if (signal === undefined) {
        waiters.add(resolve);
        return;
      }
      const list = waiters;
      const onAbort = (): void => {
        list.delete(waiter);
        if (list.size === 0 && this.applyWaiters.get(id) === list) {
          this.applyWaiters.delete(id);
        }
        reject(signal.reason);
      };
      const waiter = (a: Applied): void => {
        signal.removeEventListener("abort", onAbort);
        resolve(a);
      };
      list.add(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Number of whenApplied calls still waiting, over all commands (for tests: an abandoned wait must not stay). */
  get pendingWaiters(): number {
    let n = 0;
    for (const waiters of this.applyWaiters.values()) {
      n += waiters.size;
    }
    return n;
  }

  /** Number of commands with a whenApplied call still waiting (for tests: the last abandoned one takes its command's entry along). */
  get waitingCommands(): number {
    return this.applyWaiters.size;
  }

  /** Number of distinct commands applied. */
  get appliedCommands(): number {
    return this.appliedAt.size;
  }

  /** Whether the command with this id is applied. */
  applied(id: string): boolean {
    return this.appliedAt.has(id);
  }

  /** The applied log: slots 0 .. firstUndecided-1. */
  log(): LogEntry[] {
    const out: LogEntry[] = [];
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const e = this.decided.get(slot);
      if (e !== undefined) {
        out.push(e);
      }
    }
    return out;
  }

  /** Number of decided slots, applied or not. */
  get decidedSlots(): number {
    return this.decided.size;
  }

  /** Calls `fn` after each batch of slots is applied. */
  onApply(fn: () => void): void {
    this.onApplyListeners.push(fn);
  }

  /**
   * Calls `fn` for every slot learned for the first time, and again for
   * every later learn of a known slot with a different command (a conflict):
   * an observer sees every value this learner was ever told was decided.
   */
  onLearn(fn: (entry: LearnedEntry) => void): void {
    this.onLearnListeners.push(fn);
  }

  private notifyLearned(entry: LearnedEntry): void {
    for (const fn of this.onLearnListeners) {
      fn(entry);
    }
  }

  private applyReady(): void {
    let progressed = false;
    for (let e = this.decided.get(this.nextSlot); e !== undefined; e = this.decided.get(this.nextSlot)) {
      const { id, op } = e.command;
      if (id !== "") {
        const earlier = this.appliedAt.get(id);
        if (earlier !== undefined) {
          e.duplicateOf = earlier.slot;
        } else {
          const applied = { slot: e.slot, result: applyOp(this.state, op) };
          this.appliedAt.set(id, applied);
          const waiting = this.applyWaiters.get(id);
          this.applyWaiters.delete(id);
          for (const w of waiting ?? []) {
            w(applied);
          }
        }
      }
      this.nextSlot++;
      progressed = true;
    }
    if (progressed) {
      for (const fn of this.onApplyListeners) {
        fn();
      }
    }
  }
}

/** "c1.2 x=5", or "no-op". */
export function describe(command: Command): string {
  return command.id === "" ? "no-op" : `${command.id} ${command.op}`;
}
