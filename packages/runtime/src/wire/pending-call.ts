import type { ConnectError } from "@connectrpc/connect";
import type { Message } from "../gen/stream_pb.js";
import type { EncodedMessage } from "./encoded-message.js";

/**
 * How a call waits on one node: `oneway` for no reply (unicast, multicast),
 * `unary` for exactly one reply (rpc, quorum call), `streaming` for any
 * number of replies until the caller stops (streaming quorum call).
 */
export type CallKind = "oneway" | "unary" | "streaming";

/** One call to one node, as the channel carries it. */
export interface PendingCall {
  /** The request envelope; its sequence number identifies the call. */
  readonly msg: Message;
  /** Where the streams that write `msg` share its encoding (the calls to the other nodes of a quorum call hold the same one). */
  readonly encoded?: EncodedMessage | undefined;
  readonly kind: CallKind;
  /** Each reply of the node (unary calls: once). */
  onReply?(reply: Message): void;
  /** The call failed at this node: not sent, stream down, node closed. At most once. */
  onError?(err: ConnectError): void;
  /** A oneway message was written to the stream. */
  onSent?(): void;
}
