import { Code, ConnectError } from "@connectrpc/connect";

/** A call to a node whose channel was closed: Unavailable "node closed". */
export const ErrNodeClosed = new ConnectError("node closed", Code.Unavailable);

/**
 * A call that cannot reach its node because the stream failed: Unavailable
 * "stream is down". Streaming calls in flight get it when the stream breaks;
 * sends on an inbound channel get it until the peer reconnects.
 */
export const ErrStreamDown = new ConnectError("stream is down", Code.Unavailable);

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
