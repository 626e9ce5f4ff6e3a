import { ErrIncomplete, ErrSkipNode, type NodeError, QuorumCallError } from "../core/errors.js";
import { Correctable } from "./correctable.js";
import type { ResponseSeq } from "./response-seq.js";

/** What a Responses object knows of its call. */
export interface CallControl {
  /** Number of nodes. */
  readonly size: number;
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
  async threshold(n: number): Promise<T> {
    let count = 0;
    let first: T | undefined;
    const errors: NodeError[] = [];
    // Leaving the loop early stops this reader (see CallRun).
    for await (const r of this.seq) {
      if (r.error !== undefined) {
        if (r.error !== ErrSkipNode) {
          errors.push({ nodeID: r.nodeID, error: r.error });
        }
        continue;
      }
      if (count === 0) {
        first = r.value;
      }
      count++;
      if (count >= n) {
        return first as T;
      }
    }
    throw new QuorumCallError(ErrIncomplete, errors);
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
