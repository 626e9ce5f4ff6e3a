import type { ConnectError } from "@connectrpc/connect";
import type { CallChannel } from "../wire/call-channel.js";
import type { Channel } from "../wire/channel.js";
import { nodeClosedError, streamDownError } from "../wire/errors.js";
import type { PendingCall } from "../wire/pending-call.js";

/** How long a retired outbound channel may finish its calls before it is closed anyway. */
const RETIRE_GRACE_MS = 5000;

/**
 * The channel of a known peer: the stream this process dialed, or the one
 * the peer dialed, whichever the tiebreak picks. When both exist and the
 * peer announced that it shares connections (`gorums-capabilities:
 * shared-link`, every gorums-ts System), the connection dialed by the lower
 * node ID wins; the higher side retires its own dialed channel (closed once
 * its calls are answered), so each pair of replicas keeps one connection.
 * A peer that did not announce it (a Go Gorums replica, whose `Config()`
 * holds only the streams dialed to it) keeps both: this side calls it on its
 * own dialed stream and serves its calls on the other. If the winning
 * inbound stream goes away, calls fall back to dialing, when this process
 * may dial the peer.
 */
export class PeerLink implements CallChannel {
  private inbound: Channel | undefined;
  /** Whether the peer's stream announced the shared-link capability. */
  private inboundShares = false;
  private outbound: Channel | undefined;
  private dial: (() => Channel) | undefined;
  private closed = false;

  constructor(
    private readonly myID: number,
    private readonly peerID: number,
  ) {}


  /** Lets this process dial the peer (an outbound configuration names it); opens the stream now. */
  enableDialing(dial: () => Channel): void {
    if (this.closed) {
      return;
    }
    this.dial ??= dial;
    if (!this.inboundWins()) {
      void this.outboundChannel()?.connect();
    }
  }

  /**
   * Adopts a stream the peer opened (`sharesLink`: its headers announced the
   * shared-link capability). An older inbound stream is let go: its channel
   * is closed (its pending calls fail with "node closed") and returned, so
   * that the caller can end that stream too.
   */
  attachInbound(channel: Channel, sharesLink: boolean): Channel | undefined {
    const old = this.inbound;
    this.inbound = channel;
    this.inboundShares = sharesLink;
    old?.close();
    if (this.inboundWins() && this.outbound !== undefined) {
      retire(this.outbound);
      this.outbound = undefined;
    }
    return old;
  }

  /** Forgets an inbound stream that ended; a stale one (already replaced) changes nothing. */
  detachInbound(channel: Channel): boolean {
    if (this.inbound !== channel) {
      return false;
    }
    this.inbound = undefined;
    return true;
  }

  /** Whether `channel` is this link's inbound channel. */
  hasInbound(channel: Channel): boolean {
    return this.inbound === channel;
  }

  get serverInitiated(): boolean {
    return this.active()?.serverInitiated ?? false;
  }

  isInbound(): boolean {
    return this.active()?.isInbound() ?? false;
  }

  /** Whether either stream is open (a dialed one: and accepted by the peer). */
  get connected(): boolean {
    return (this.inbound?.isConnected() ?? false) || (this.outbound?.connected ?? false);
  }

  get latencyMs(): number {
    return this.active()?.latencyMs ?? -1;
  }

  get lastError(): ConnectError | undefined {
    return this.active()?.lastError ?? this.outbound?.lastError;
  }

  get pendingCount(): number {
    return (this.inbound?.pendingCount ?? 0) + (this.outbound?.pendingCount ?? 0);
  }

  send(call: PendingCall): void {
    if (this.closed) {
      call.onError?.(nodeClosedError());
      return;
    }
    const channel = this.active();
    if (channel === undefined) {
      call.onError?.(streamDownError());
      return;
    }
    channel.send(call);
  }

  cancel(call: PendingCall, reason?: ConnectError): void {
    this.inbound?.cancel(call, reason);
    this.outbound?.cancel(call, reason);
  }

  close(): void {
    this.closed = true;
    this.outbound?.close();
    this.inbound?.close();
    this.outbound = undefined;
    this.inbound = undefined;
  }

  /** The peer shares connections, has the lower ID and its stream is open: its connection wins the tiebreak. */
  private inboundWins(): boolean {
    return this.inboundShares && this.peerID < this.myID && (this.inbound?.isConnected() ?? false);
  }

  /**
   * The channel for the next call: the tiebreak's winner when it is open,
   * else whichever stream is open, else our dialed channel (which dials), else
   * nothing.
   */
  private active(): Channel | undefined {
    if (this.inboundWins()) {
      return this.inbound;
    }
    const inboundOpen = this.inbound?.isConnected() ?? false;
    const outbound = this.outbound?.isConnected() || !inboundOpen ? this.outboundChannel() : this.outbound;
    if (outbound?.isConnected()) {
      return outbound;
    }
    if (inboundOpen) {
      return this.inbound;
    }
    return outbound;
  }

  private outboundChannel(): Channel | undefined {
    if (this.outbound === undefined && this.dial !== undefined && !this.closed) {
      this.outbound = this.dial();
    }
    return this.outbound;
  }
}

/** Closes a channel once it has no calls left (or after a grace period). */
function retire(channel: Channel): void {
  const deadline = Date.now() + RETIRE_GRACE_MS;
  const check = () => {
    if (channel.pendingCount === 0 || Date.now() >= deadline) {
      channel.close();
    } else {
      setTimeout(check, 20).unref();
    }
  };
  check();
}
