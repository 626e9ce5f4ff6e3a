import { ConnectError } from "@connectrpc/connect";

/** A quorum call or terminal method that got too few successful replies. */
export const ErrIncomplete = new Error("incomplete call");

/** A blocking multicast whose message could not be written to some nodes. */
export const ErrSendFailure = new Error("send failure");

/** The error a node reports when `mapRequest` skipped it; never counted as a failure. */
export const ErrSkipNode = new Error("skip node");

/** A wait or call cut short because its System or server stopped. */
export const ErrStopped = new Error("system stopped");

/** One node's failure in a quorum call. */
export interface NodeError {
  readonly nodeID: number;
  readonly error: Error;
}

/**
 * How a call to several nodes stood when it failed: the first line of a
 * QuorumCallError's message gives these counts.
 */
export interface QuorumCallCounts {
  /** Successful replies the call needed; absent for a multicast, which needs every node. */
  readonly needed?: number;
  /** Successful replies (for a streaming call: replies of all nodes). */
  readonly succeeded: number;
  /** Nodes that failed (the `nodeErrors`). */
  readonly failed: number;
  /** Nodes that `mapRequest` skipped: sent nothing, neither successes nor failures. */
  readonly skipped: number;
  /** Nodes still silent when the call gave up; absent when not known (streaming calls). */
  readonly notAnswered?: number;
}

/**
 * The failure of a call to several nodes. `cause` says what went wrong as a
 * whole (`ErrIncomplete`, `ErrSendFailure`); `nodeErrors` what each failed
 * node reported, in arrival order; `counts` (for the calls the runtime
 * makes) how many nodes succeeded, failed, were skipped and had not answered.
 *
 * The message has Go's shape with the counts on its first line, e.g.
 * `quorum call error: incomplete call (1 of 3 needed succeeded, 2 failed, 0
 * skipped, 0 not answered)`, then `node errors:` and one tab-indented line
 * per failed node, without a trailing newline. Without counts the first line
 * is Go's `quorum call error: <cause> (errors: N)`.
 */
export class QuorumCallError extends Error {
  override readonly cause: Error;
  readonly nodeErrors: ReadonlyArray<NodeError>;
  readonly counts: QuorumCallCounts | undefined;

  constructor(cause: Error, nodeErrors: ReadonlyArray<NodeError> = [], counts?: QuorumCallCounts) {
    super(formatQuorumCallError(cause, nodeErrors, counts));
    this.name = "QuorumCallError";
    this.cause = cause;
    this.nodeErrors = nodeErrors;
    this.counts = counts;
  }
}

function formatQuorumCallError(cause: Error, nodeErrors: ReadonlyArray<NodeError>, counts: QuorumCallCounts | undefined): string {
  let s = `quorum call error: ${cause.message} (${counts === undefined ? `errors: ${nodeErrors.length}` : formatCounts(counts)})`;
  if (nodeErrors.length > 0) {
    s += "\nnode errors:";
    for (const e of nodeErrors) {
      s += `\n\tnode ${e.nodeID}: ${e.error.message}`;
    }
  }
  return s;
}

function formatCounts(c: QuorumCallCounts): string {
  const parts = [c.needed === undefined ? `${c.succeeded} succeeded` : `${c.succeeded} of ${c.needed} needed succeeded`, `${c.failed} failed`, `${c.skipped} skipped`];
  if (c.notAnswered !== undefined) {
    parts.push(`${c.notAnswered} not answered`);
  }
  return parts.join(", ");
}

/**
 * Whether a node's error is of a kind: the same error object, a ConnectError
 * with the same code and message as `kind`, or (for a Code) any ConnectError
 * with that code. Like Go's `errors.Is`, the error's `cause` chain is searched
 * too, so an error that wraps a kind (`new Error("…", { cause: kind })`) is of
 * that kind.
 */
export function errorIsKind(err: Error, kind: Error | number): boolean {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 32; depth++) {
    if (isKind(e, kind)) {
      return true;
    }
    e = e.cause;
  }
  return false;
}

function isKind(err: Error, kind: Error | number): boolean {
  if (typeof kind === "number") {
    return err instanceof ConnectError && err.code === kind;
  }
  if (err === kind) {
    return true;
  }
  return err instanceof ConnectError && kind instanceof ConnectError && err.code === kind.code && err.rawMessage === kind.rawMessage;
}
