import type { Message } from "../gen/stream_pb.js";
import type { PendingCall } from "./pending-call.js";

interface Entry {
  readonly call: PendingCall;
  readonly sentAt: number;
}

/**
 * The calls written to the current stream that still wait for replies, keyed
 * by sequence number. Oneway calls are never registered; a unary call leaves
 * on its reply; a streaming call stays until it is cancelled or the stream
 * fails.
 */
export class Router {
  private readonly pending = new Map<bigint, Entry>();

  /** Number of calls waiting for replies. */
  get size(): number {
    return this.pending.size;
  }

  /** Registers a call that was (or is about to be) written to the stream. */
  register(call: PendingCall, now: number): void {
    this.pending.set(call.msg.messageSeqNo, { call, sentAt: now });
  }

  /**
   * Hands a reply to its call. Returns the round-trip time in milliseconds
   * for a successful unary reply (for latency), -1 for other routed replies,
   * or undefined when no call waits for it (the reply is dropped).
   */
  route(reply: Message, now: number): number | undefined {
    const entry = this.pending.get(reply.messageSeqNo);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.call.kind === "unary") {
      this.pending.delete(reply.messageSeqNo);
    }
    entry.call.onReply?.(reply);
    return entry.call.kind === "unary" && reply.status === undefined ? now - entry.sentAt : -1;
  }

  /** The call waiting for replies under `seqNo`, if any. */
  callFor(seqNo: bigint): PendingCall | undefined {
    return this.pending.get(seqNo)?.call;
  }

  /** Whether `call` waits for replies here. */
  has(seqNo: bigint, call: PendingCall): boolean {
    return this.pending.get(seqNo)?.call === call;
  }

  /** Forgets a call (its caller gave up). Returns whether it was pending. */
  remove(seqNo: bigint, call: PendingCall): boolean {
    const entry = this.pending.get(seqNo);
    if (entry === undefined || entry.call !== call) {
      return false;
    }
    this.pending.delete(seqNo);
    return true;
  }

  /** Removes and returns every pending call, in the order they were registered. */
  takeAll(): PendingCall[] {
    const calls = Array.from(this.pending.values(), (e) => e.call);
    this.pending.clear();
    return calls;
  }
}
