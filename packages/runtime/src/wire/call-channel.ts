import type { ConnectError } from "@connectrpc/connect";
import type { PendingCall } from "./pending-call.js";

/**
 * What a node needs from the thing that carries its calls: a channel over a
 * stream (dialed or accepted), or in-process dispatch for the self node.
 */
export interface CallChannel {
  /** Sends a call; failures come back through the call's `onError`. */
  send(call: PendingCall): void;
  /**
   * Forgets a call whose caller gave up, and tells the node where it can
   * (`reason`: why; a DeadlineExceeded reason is passed on as such).
   */
  cancel(call: PendingCall, reason?: ConnectError): void;
  /** True when calls started here carry the high bit (this side accepted the stream). */
  readonly serverInitiated: boolean;
  /** True for a channel on a stream the peer opened. */
  isInbound(): boolean;
  /**
   * True while a stream to the node is open and the node has accepted it
   * (the in-process self node: always, until closed).
   */
  readonly connected: boolean;
  /** Round-trip EWMA in ms, -1 until measured. */
  readonly latencyMs: number;
  /** The last stream or connection error. */
  readonly lastError: ConnectError | undefined;
  /** Calls waiting for a reply or for a stream. */
  readonly pendingCount: number;
  /** Fails pending calls with "node closed" and releases what the channel owns. */
  close(): void;
}
