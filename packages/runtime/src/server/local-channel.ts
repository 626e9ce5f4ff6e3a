import type { ConnectError } from "@connectrpc/connect";
import type { Message } from "../gen/stream_pb.js";
import type { CallChannel } from "../wire/call-channel.js";
import type { ReplySender } from "../wire/channel.js";
import { cancelMessage } from "../wire/call-end.js";
import { nodeClosedError } from "../wire/errors.js";
import type { PendingCall } from "../wire/pending-call.js";

/** Serves a request in this process; `reply` takes its answers. */
export type LocalDispatch = (request: Message, reply: ReplySender) => void;

/**
 * The channel of the self node: calls are served in-process by this
 * process's own server, with the same one-at-a-time order and `release()`
 * as a stream, and no socket. A one-way call is confirmed before its handler
 * runs. Requests start on a later microtask, so a call to several nodes has
 * sent to all of them before the local handler runs.
 */
export class LocalChannel implements CallChannel {
  readonly serverInitiated = false;
  private readonly pending = new Set<PendingCall>();
  private closed = false;
  private latency = -1;

  constructor(private readonly dispatch: LocalDispatch) {}

  isInbound(): boolean {
    return false;
  }

  /** The self node is reachable until closed. */
  get connected(): boolean {
    return !this.closed;
  }

  get latencyMs(): number {
    return this.latency;
  }

  get lastError(): ConnectError | undefined {
    return undefined;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  send(call: PendingCall): void {
    if (this.closed) {
      call.onError?.(nodeClosedError());
      return;
    }
    if (call.kind === "oneway") {
      call.onSent?.();
      queueMicrotask(() => this.dispatch(call.msg, noReply));
      return;
    }
    this.pending.add(call);
    const sentAt = performance.now();
    queueMicrotask(() =>
      this.dispatch(call.msg, async (reply) => {
        if (!this.pending.has(call)) {
          return;
        }
        if (call.kind === "unary") {
          this.pending.delete(call);
          if (reply.status === undefined) {
            const rtt = performance.now() - sentAt;
            this.latency = this.latency < 0 ? rtt : 0.8 * this.latency + 0.2 * rtt;
          }
        }
        call.onReply?.(reply);
      }),
    );
  }

  /** Forgets the call and, if its handler may still run, ends it there (as a cancel on a stream would). */
  cancel(call: PendingCall, reason?: ConnectError): void {
    if (this.pending.delete(call)) {
      const cancel = cancelMessage(call.msg, reason?.code);
      queueMicrotask(() => this.dispatch(cancel, noReply));
    }
  }

  close(): void {
    this.closed = true;
    const pending = [...this.pending];
    this.pending.clear();
    for (const call of pending) {
      call.onError?.(nodeClosedError());
    }
  }
}

async function noReply(): Promise<void> {}
