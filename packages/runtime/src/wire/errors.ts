import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The kind of error of a call to a node whose channel was closed:
 * Unavailable "node closed". Each failure gets a fresh error of this kind
 * (its own stack and metadata); match it with
 * `errorIsKind(err, ErrNodeClosed)`, by code and message, never by identity.
 */
export const ErrNodeClosed = new ConnectError("node closed", Code.Unavailable);

/**
 * The kind of error of a call that cannot reach its node because the stream
 * failed: Unavailable "stream is down". Streaming calls in flight get one
 * when the stream breaks; sends on an inbound channel get one until the peer
 * reconnects. Fresh per failure, as `ErrNodeClosed`.
 */
export const ErrStreamDown = new ConnectError("stream is down", Code.Unavailable);

/** A fresh error of the kind `ErrNodeClosed`. */
export function nodeClosedError(): ConnectError {
  return new ConnectError(ErrNodeClosed.rawMessage, ErrNodeClosed.code);
}

/** A fresh error of the kind `ErrStreamDown`. */
export function streamDownError(): ConnectError {
  return new ConnectError(ErrStreamDown.rawMessage, ErrStreamDown.code);
}

/** Turns anything thrown by a transport into a ConnectError (Unavailable when unknown). */
export function toConnectError(err: unknown, fallback: Code = Code.Unavailable): ConnectError {
  if (err instanceof ConnectError) {
    return err;
  }
  return ConnectError.from(err, fallback);
}

/**
 * The error for a call whose signal aborted: the signal's reason when it is a
 * ConnectError (DeadlineExceeded from a timeout), Canceled otherwise.
 */
export function abortError(signal: AbortSignal): ConnectError {
  const reason: unknown = signal.reason;
  if (reason instanceof ConnectError) {
    return reason;
  }
  if (reason instanceof Error && reason.name === "TimeoutError") {
    return new ConnectError(reason.message, Code.DeadlineExceeded);
  }
  return new ConnectError(reason instanceof Error ? reason.message : "operation was aborted", Code.Canceled);
}

/** A thrown value as an Error: an Error as it is, anything else with its text. */
export function asError(err: unknown): Error {
  if (err instanceof Error) {
    return err;
  }
  try {
    return new Error(String(err));
  } catch {
    return new Error("a value that is not an Error was thrown"); // Object.create(null) has no text
  }
}
