import type { ConnectError } from "@connectrpc/connect";
import type { Node } from "../core/node.js";
import type { Message } from "../gen/stream_pb.js";
import type { EncodedMessage } from "../wire/encoded-message.js";
import type { CallKind, PendingCall } from "../wire/pending-call.js";

/** Where a CallLeg reports what happened to it: the call it belongs to. */
export interface CallLegOwner {
  /** A reply from the leg's node. */
  legReplied(leg: CallLeg, reply: Message): void;
  /** The leg failed at its node: not sent, stream down, node closed. */
  legFailed(leg: CallLeg, err: ConnectError): void;
  /** A one-way leg was written to its stream. */
  legSent(leg: CallLeg): void;
}

/**
 * The part of one call that goes to one node: the PendingCall its channel
 * carries. One object per node and call, whose methods report to the call
 * (no closures made per node).
 */
export class CallLeg implements PendingCall {
  constructor(
    /** The node this leg goes to. */
    readonly node: Node,
    /** The request envelope, in the numbering of the node's stream. */
    readonly msg: Message,
    /** The envelope's encoding, shared with the call's legs to the other nodes. */
    readonly encoded: EncodedMessage,
    readonly kind: CallKind,
    private readonly owner: CallLegOwner,
  ) {}

  /** The node's ID. */
  get nodeID(): number {
    return this.node.id;
  }

  onReply(reply: Message): void {
    this.owner.legReplied(this, reply);
  }

  onError(err: ConnectError): void {
    this.owner.legFailed(this, err);
  }

  onSent(): void {
    this.owner.legSent(this);
  }
}
