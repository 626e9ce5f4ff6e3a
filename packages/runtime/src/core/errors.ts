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
 * The failure of a call to several nodes. `cause` says what went wrong as a
 * whole (`ErrIncomplete`, `ErrSendFailure`); `nodeErrors` what each failed
 * node reported, in arrival order.
 */
export class QuorumCallError extends Error {
  override readonly cause: Error;
  readonly nodeErrors: ReadonlyArray<NodeError>;

  constructor(cause: Error, nodeErrors: ReadonlyArray<NodeError> = []) {
    super(formatQuorumCallError(cause, nodeErrors));
    this.name = "QuorumCallError";
    this.cause = cause;
    this.nodeErrors = nodeErrors;
  }
}

function formatQuorumCallError(cause: Error, nodeErrors: ReadonlyArray<NodeError>): string {
  let s = `quorum call error: ${cause.message} (errors: ${nodeErrors.length})`;
  if (nodeErrors.length > 0) {
    s += "\nnode errors:\n";
    for (const e of nodeErrors) {
      s += `\tnode ${e.nodeID}: ${e.error.message}\n`;
    }
  }
  return s;
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
