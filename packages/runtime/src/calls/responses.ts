import { ErrIncomplete, ErrSkipNode, type NodeError, QuorumCallError } from "../core/errors.js";
import { Correctable } from "./correctable.js";
import type { NodeResponse } from "./node-response.js";
import type { ResponseSeq } from "./response-seq.js";

/** What a Responses object knows of its call. */
export interface CallControl {
  /** Number of nodes. */
  readonly size: number;
  /**
   * Reads the replies with callbacks instead of iterating (see
   * `CallRun.follow`); returns false when only iterating will do.
   */
  follow?(onReply: (r: NodeResponse<unknown>) => boolean, onEnd: () => void): boolean;
}

/**
 * The replies of a quorum call. Lazy: nothing is sent until a terminal
 * method, `results()` or `correctable()` consumes it. Terminal methods
 * resolve with the first successful reply once enough nodes have answered;
 * too few successes reject with a QuorumCallError whose cause is
 * ErrIncomplete and whose nodeErrors list the failed nodes.
 *
 * Every consumer sees every reply from the first, so several terminals may
 * run on one Responses, at once or one after another. A satisfied consumer
 * stops reading; the call ends (later replies are dropped) once no consumer
 * is reading any more. A consumer that starts after the call ended sees the
 * replies the call got: `await r.all()` then `r.first()` gives the same
 * value, but `await r.first()` then `r.all()` may find too few replies.
 *
 * A Responses is not itself a promise: awaiting it (`await qc(ctx, req)`
 * without a terminal method) sends nothing and rejects at once with a
 * TypeError naming the terminal methods; TypeScript types that `await` as
 * `never`.
 */
export class Responses<T> {
  /** @private Made by quorumCall and generated code. */
  constructor(
    private readonly seq: ResponseSeq<T>,
    private readonly control: CallControl,
  ) {}

  /** Number of nodes the call goes to. */
  get size(): number {
    return this.control.size;
  }

  /** The replies in arrival order, for custom aggregation. */
  results(): ResponseSeq<T> {
    return this.seq;
  }

  /** The first successful reply. */
  first(): Promise<T> {
    return this.threshold(1);
  }

  /** The first successful reply, once ⌊n/2⌋+1 nodes succeeded. */
  majority(): Promise<T> {
    return this.threshold(Math.floor(this.size / 2) + 1);
  }

  /** The first successful reply, once every node succeeded. */
  all(): Promise<T> {
    return this.threshold(this.size);
  }

  /**
   * The first successful reply, once `n` replies succeeded. Nodes skipped by
   * `mapRequest` count neither as successes nor as failures.
   */
  threshold(n: number): Promise<T> {
    const follow = this.control.follow;
    if (follow === undefined) {
      return this.iterateToThreshold(n);
    }
    const counted = new ThresholdCount<T>(n);
    let settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };
    const done = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    let following: boolean;
    try {
      following = follow.call(
        this.control,
        (r) => {
          if (!counted.add(r as NodeResponse<T>)) {
            return false;
          }
          settle.resolve(counted.first as T);
          return true;
        },
        () => settle.reject(counted.incomplete()),
      );
    } catch (err) {
      // The call could not start (its request does not encode): a rejection, as from an async method.
      return Promise.reject(err);
    }
    return following ? done : this.iterateToThreshold(n);
  }

  private async iterateToThreshold(n: number): Promise<T> {
    const counted = new ThresholdCount<T>(n);
    // Leaving the loop early stops this reader (see CallRun).
    for await (const r of this.seq) {
      if (counted.add(r)) {
        return counted.first as T;
      }
    }
    throw counted.incomplete();
  }

  /**
   * Makes `await responses` (and `Promise.resolve(responses)`) fail at once,
   * without sending: a Responses must be consumed by a terminal method,
   * `results()` or `correctable()`. Typed so that the `await` has type
   * `never`.
   */
  then<R1 = never, R2 = never>(
    onfulfilled?: ((value: never) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return Promise.reject<never>(new TypeError(notAwaitable)).then(onfulfilled, onrejected);
  }

  /**
   * Follows the call as replies arrive: the level is the number of successful
   * replies so far (streaming calls: all replies of all nodes), the value the
   * latest. Done once the level reaches `threshold`, or when the call ends.
   */
  correctable(threshold: number): Correctable<T> {
    return new Correctable(this.seq, threshold);
  }
}

const notAwaitable =
  "gorums: a quorum call's Responses is not a promise: call a terminal method (first(), majority(), all() or threshold(n)), results() or correctable(n) on it; nothing was sent";

/** Counts replies toward a threshold as `threshold()` does. */
class ThresholdCount<T> {
  first: T | undefined;
  private count = 0;
  private readonly errors: NodeError[] = [];

  constructor(private readonly n: number) {}

  /** Takes one reply; true once `n` replies succeeded. */
  add(r: NodeResponse<T>): boolean {
    if (r.error !== undefined) {
      if (r.error !== ErrSkipNode) {
        this.errors.push({ nodeID: r.nodeID, error: r.error });
      }
      return false;
    }
    if (this.count === 0) {
      this.first = r.value;
    }
    this.count++;
    return this.count >= this.n;
  }

  /** The error when the call ended short of `n`. */
  incomplete(): QuorumCallError {
    return new QuorumCallError(ErrIncomplete, this.errors);
  }
}
