import { ErrIncomplete, ErrSkipNode, type NodeError, QuorumCallError } from "../core/errors.js";
import { Correctable } from "./correctable.js";
import type { NodeResponse } from "./node-response.js";
import type { ResponseSeq } from "./response-seq.js";

/** What a Responses object knows of its call. */
export interface CallControl {
  /** Number of nodes. */
  readonly size: number;
  /**
   * True when a node may answer more than once (a streaming quorum call):
   * then a call is not known to fall short of its threshold until it ends.
   */
  readonly streaming?: boolean;
  /**
   * Reads the replies with callbacks instead of iterating (see
   * `CallRun.follow`); returns false when only iterating will do.
   */
  follow?(onReply: (r: NodeResponse<unknown>) => boolean, onEnd: () => void): boolean;
}

/**
 * The replies of a quorum call. Lazy: nothing is sent until a terminal
 * method, `results()` or `correctable()` consumes it. Terminal methods
 * resolve with the first successful reply once enough nodes have answered,
 * and reject at once with a QuorumCallError whose cause is ErrIncomplete
 * when enough successes can no longer come (its nodeErrors list the failed
 * nodes, its counts and first line how many succeeded, failed, were skipped
 * and had not answered). A node that `mapRequest` skipped is sent nothing:
 * it is never counted as a reply, neither a success nor a failure.
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

  /** The first successful reply; fails once every node failed or was skipped. */
  first(): Promise<T> {
    return this.threshold(1);
  }

  /**
   * The first successful reply, once ⌊n/2⌋+1 nodes succeeded, n being the
   * configuration's size (skipped nodes included: skipping nodes does not
   * shrink the majority).
   */
  majority(): Promise<T> {
    return this.threshold(Math.floor(this.size / 2) + 1);
  }

  /**
   * The first successful reply, once every node the call was sent to
   * succeeded: nodes skipped by `mapRequest` are not waited for. Fails at
   * once when one of them fails, and when every node was skipped (there is
   * no reply to resolve with).
   */
  all(): Promise<T> {
    return this.until(new ThresholdCount<T>(this.control, "all"));
  }

  /**
   * The first successful reply, once `n` nodes succeeded. Nodes skipped by
   * `mapRequest` count neither as successes nor as failures; the call fails
   * as soon as too few nodes are left to reach `n`.
   */
  threshold(n: number): Promise<T> {
    return this.until(new ThresholdCount<T>(this.control, n));
  }

  private until(counted: ThresholdCount<T>): Promise<T> {
    const follow = this.control.follow;
    if (follow === undefined) {
      return this.iterateToThreshold(counted);
    }
    let settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };
    const done = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    let following: boolean;
    try {
      following = follow.call(
        this.control,
        (r) => {
          const outcome = counted.add(r as NodeResponse<T>);
          if (outcome === "reached") {
            settle.resolve(counted.first as T);
          } else if (outcome === "unreachable") {
            settle.reject(counted.incomplete());
          }
          return outcome !== undefined;
        },
        () => settle.reject(counted.incomplete()),
      );
    } catch (err) {
      // The call could not start (its request does not encode): a rejection, as from an async method.
      return Promise.reject(err);
    }
    return following ? done : this.iterateToThreshold(counted);
  }

  private async iterateToThreshold(counted: ThresholdCount<T>): Promise<T> {
    // Leaving the loop early stops this reader (see CallRun).
    for await (const r of this.seq) {
      const outcome = counted.add(r);
      if (outcome === "reached") {
        return counted.first as T;
      }
      if (outcome === "unreachable") {
        break;
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

/**
 * Counts replies toward a threshold as the terminal methods do: successes
 * toward `target` (`"all"`: every node not skipped), failures and skipped
 * nodes apart. Assumes one reply per node unless the call is streaming.
 */
class ThresholdCount<T> {
  first: T | undefined;
  private succeeded = 0;
  private skipped = 0;
  private readonly errors: NodeError[] = [];
  private readonly size: number;
  private readonly streaming: boolean;

  constructor(
    control: CallControl,
    private readonly target: number | "all",
  ) {
    this.size = control.size;
    this.streaming = control.streaming === true;
  }

  /** Successes needed: for `all`, the nodes not skipped (as far as known: skips only lower it). */
  private get needed(): number {
    return this.target === "all" ? this.size - this.skipped : this.target;
  }

  /**
   * Takes one reply: "reached" once enough succeeded, "unreachable" once
   * too few nodes are left to get there, else undefined.
   */
  add(r: NodeResponse<T>): "reached" | "unreachable" | undefined {
    if (r.error === undefined) {
      if (this.succeeded === 0) {
        this.first = r.value;
      }
      this.succeeded++;
      if (this.succeeded >= this.needed) {
        return "reached";
      }
    } else if (r.error === ErrSkipNode) {
      this.skipped++;
    } else {
      this.errors.push({ nodeID: r.nodeID, error: r.error });
    }
    return this.unreachable() ? "unreachable" : undefined;
  }

  /** True when the nodes that may still succeed cannot make `needed` (and at least one) successes. */
  private unreachable(): boolean {
    if (this.streaming) {
      return false;
    }
    const possible = this.size - this.errors.length - this.skipped; // successes so far + nodes yet to answer
    return possible < Math.max(this.needed, 1);
  }

  /** The error when the call ended, or can no longer reach `needed`. */
  incomplete(): QuorumCallError {
    const failed = this.errors.length;
    return new QuorumCallError(ErrIncomplete, this.errors, {
      needed: Math.max(this.needed, 0),
      succeeded: this.succeeded,
      failed,
      skipped: this.skipped,
      ...(this.streaming ? {} : { notAnswered: Math.max(0, this.size - this.succeeded - failed - this.skipped) }),
    });
  }
}
