// The ABD algorithm on the client side: both phases of every operation are
// quorum calls (the generated `read` and `write`) over a configuration of
// all the replicas, each waiting for a majority of them.
//
//   write(v): query a majority for their timestamps; store v with
//             (highest counter + 1, own ID) at a majority.
//   read():   query a majority for their values; write the newest back to a
//             majority (so that no later read can return an older one);
//             return it.
//
// Without the write-back (`writeBack: false`) a read can return a value that
// a later read does not see: not linearizable, and the fault test shows that
// the checker catches it.
import { type Configuration, ErrIncomplete, type NodeError, QuorumCallError } from "@gorums/runtime";
import { read, write } from "./gen/register/register_gorums.js";
import type { ReadResponse, Timestamp } from "./gen/register/register_pb.js";
import { compareTimestamps, nextTimestamp } from "./timestamp.js";

/** How a client runs the algorithm. */
export interface AbdOptions {
  /** This client's ID: the writer part of its timestamps, unique among the writers. */
  id: number;
  /** Write the newest value back before a read returns (default true; false is not linearizable). */
  writeBack?: boolean;
  /** Deadline of each phase, in ms (default 1000). */
  timeoutMs?: number;
}

/**
 * A slowed write, to make a partial write last: its store phase goes to
 * replica `first` alone, then waits for `wait()`, then goes to every
 * replica. A writer whose message reaches one replica long before the rest.
 */
export interface SlowStore {
  first: number;
  wait(): Promise<void>;
}

/**
 * An operation that failed. `maybeApplied` is false when it surely took no
 * effect (a write that failed before it sent its value), true when it may
 * have (a write whose store phase failed: some replicas may keep the value).
 */
export class AbdError extends Error {
  constructor(
    message: string,
    readonly maybeApplied: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "AbdError";
  }
}

/** One client of the register. */
export class AbdClient {
  private readonly writeBack: boolean;
  private readonly timeoutMs: number;

  /** A client over `config`, which holds every replica: quorums are majorities of its size. */
  constructor(
    readonly config: Configuration,
    private readonly opts: AbdOptions,
  ) {
    this.writeBack = opts.writeBack ?? true;
    this.timeoutMs = opts.timeoutMs ?? 1000;
  }

  /** A majority of the replicas. */
  get quorum(): number {
    return Math.floor(this.config.size / 2) + 1;
  }

  /** Reads the register: the value of the newest write a majority knows of, written back to a majority first. */
  async read(): Promise<string> {
    const newest = await this.query("read");
    if (this.writeBack) {
      await this.store(newest.ts, newest.value, "read", true);
    }
    return newest.value;
  }

  /** Writes `value` with a timestamp above every one a majority knows of. */
  async write(value: string, slow?: SlowStore): Promise<void> {
    const highest = await this.query("write");
    const ts = nextTimestamp(highest.ts, this.opts.id);
    if (slow !== undefined) {
      const first = this.config.remove(...this.config.nodeIDs().filter((id) => id !== slow.first));
      await this.phase("write", true, () => write(first.context({ timeoutMs: this.timeoutMs }), { ts, value }).all());
      await slow.wait();
    }
    await this.store(ts, value, "write", true);
  }

  /** The first phase: the reply with the highest timestamp among the first majority to answer. */
  private async query(op: "read" | "write"): Promise<ReadResponse> {
    return this.phase(op, false, async () => {
      const replies: ReadResponse[] = [];
      const errors: NodeError[] = [];
      const size = this.config.size;
      // Leaving the loop ends the call: at a majority, or once a majority can no longer answer.
      for await (const r of read(this.config.context({ timeoutMs: this.timeoutMs }), {}).results()) {
        if (r.error !== undefined) {
          errors.push({ nodeID: r.nodeID, error: r.error });
        } else if (r.value !== undefined) {
          replies.push(r.value);
        }
        if (replies.length >= this.quorum || size - errors.length < this.quorum) {
          break;
        }
      }
      if (replies.length < this.quorum) {
        const counts = { needed: this.quorum, succeeded: replies.length, failed: errors.length, skipped: 0, notAnswered: size - replies.length - errors.length };
        throw new QuorumCallError(ErrIncomplete, errors, counts);
      }
      return replies.reduce((newest, r) => (compareTimestamps(r.ts, newest.ts) > 0 ? r : newest));
    });
  }

  /** The second phase: `value` with `ts` at a majority. */
  private async store(ts: Timestamp | undefined, value: string, op: "read" | "write", maybeApplied: boolean): Promise<void> {
    await this.phase(op, maybeApplied, () => write(this.config.context({ timeoutMs: this.timeoutMs }), { ts, value }).majority());
  }

  /** Runs one phase, turning its failure into an AbdError that names the call's counts and the nodes' distinct errors. */
  private async phase<T>(op: "read" | "write", maybeApplied: boolean, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      let why = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
      if (err instanceof QuorumCallError && err.nodeErrors.length > 0) {
        why += `: ${[...new Set(err.nodeErrors.map((e) => e.error.message))].join("; ")}`;
      }
      throw new AbdError(`${op}: ${maybeApplied ? "second" : "first"} phase failed: ${why}`, maybeApplied, { cause: err });
    }
  }
}
