import { Code, ConnectError } from "@connectrpc/connect";
import type { Message } from "../gen/stream_pb.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import type { BidiStream } from "./bidi-stream.js";
import type { CallChannel } from "./call-channel.js";
import { announcesCapability, CANCEL_CAPABILITY } from "./capabilities.js";
import { cancelMessage, isCancel } from "./call-end.js";
import { consumeIterable } from "./consume-iterable.js";
import { nodeClosedError, streamDownError, toConnectError } from "./errors.js";
import { errorReply } from "./message.js";
import type { MessageSink } from "./message-sink.js";
import type { PendingCall } from "./pending-call.js";
import { Router } from "./router.js";
import { isServerInitiated } from "./sequence.js";

/** Opens streams to one node for an outbound channel. */
export interface StreamDialer {
  /** Opens a new stream; rejects (Unavailable) when the node cannot be reached. */
  dial(): Promise<BidiStream>;
  /** Releases the connection; later dials fail. */
  close(): void;
}

/** Most cancels held for a stream whose peer has not said yet whether it understands them. */
const MAX_CANCELS_WAITING = 1024;

/** Sends a reply on the stream a request came from. */
export type ReplySender = (reply: Message) => Promise<void>;

/**
 * Serves a request that the other side of the stream started. `reply` writes
 * on the very stream the request came from. Returning a promise asks for
 * backpressure: the channel delivers nothing more from that stream until it
 * settles (the stream's reading pauses, and HTTP/2 flow control stops the
 * sender), as Go Gorums' receive loop waits for its handlers.
 */
export type RequestHandler = (request: Message, reply: ReplySender) => void | Promise<void>;

/** How a channel is made. */
export interface ChannelOptions {
  /** The node this channel leads to (0 for an anonymous peer). */
  readonly nodeID: number;
  /** Outbound: how to (re)open streams. Absent for an inbound channel. */
  readonly dialer?: StreamDialer;
  /** Inbound: the stream the peer opened. */
  readonly stream?: BidiStream;
  /** Most calls that may wait for a stream; more fail with ResourceExhausted. Default: no limit. */
  readonly maxQueued?: number;
  /** Spacing of reconnection attempts. */
  readonly backoff?: BackoffOptions;
  /** Serves requests that the other side starts on this channel's streams. */
  readonly onRequest?: RequestHandler;
  /** Told when a stream is open and accepted by the other side (outbound: after each successful dial). */
  readonly onStreamUp?: (channel: Channel) => void;
  /**
   * Outbound: a dialed stream that is still open this many ms after it was
   * opened counts as accepted even without response headers or a message
   * (grpc-go sends its headers with its first message). Default: never.
   */
  readonly acceptAfterMs?: number;
  /**
   * Outbound: dial again after a failed dial or a lost stream, spaced by the
   * backoff, until closed — not only when a call needs a stream. A System's
   * peers want this: a peer that builds its configuration from the streams
   * dialed to it (Go Gorums) sees this process only while its stream is open.
   */
  readonly keepConnected?: boolean;
  /** Told when the current stream fails or ends (inbound channels: the peer left). */
  readonly onStreamDown?: (channel: Channel, err: ConnectError) => void;
  /**
   * Outbound: the stream keeps the Node process alive even with no call out
   * (a client that serves calls coming back on it). Default: only while
   * calls are out, so an idle connection never keeps a script from exiting.
   */
  readonly keepProcessAlive?: boolean;
}

/**
 * Carries the calls to one node over one bidirectional stream. An outbound
 * channel dials lazily, re-sends unanswered unary calls on a new stream
 * after a failure and spaces reconnection attempts with exponential backoff;
 * an inbound channel wraps a stream the peer opened and never reconnects.
 * Both ends tell requests from replies by the sequence number's high bit.
 */
export class Channel implements CallChannel {
  readonly nodeID: number;
  private readonly dialer: StreamDialer | undefined;
  private readonly router = new Router();
  private stream: BidiStream | undefined;
  private connecting = false;
  private closed = false;
  private queue: PendingCall[] = [];
  private failures = 0;
  private retryAt = 0;
  private latency = -1;
  private error: ConnectError | undefined;
  private accepted = false;
  private redial: ReturnType<typeof setTimeout> | undefined;
  /** The stream whose peer's cancel capability `cancels` holds. */
  private cancelsKnown: BidiStream | undefined;
  private cancels = false;
  /**
   * Unary calls whose caller no longer needs them, cancelled at the end of
   * this turn unless answered first, or before the next call written here.
   */
  private abandoned = new Set<PendingCall>();
  private abandonedFlush: ReturnType<typeof setImmediate> | undefined;
  /** Cancels for the current stream, held until the peer's headers say whether it understands them. */
  private cancelsWaiting: Message[] = [];
  /** One-way calls written to the stream and not yet taken by the transport. */
  private onewayInFlight = 0;
  /** Whether the current stream holds the process alive (streams open holding it). */
  private holding = true;
  /** The last send promise a failure handler was attached to (a batch's sends share one). */
  private watchedWrite: Promise<void> | undefined;

  constructor(private readonly options: ChannelOptions) {
    this.nodeID = options.nodeID;
    this.dialer = options.dialer;
    if (options.stream !== undefined) {
      this.attach(options.stream);
    }
  }

  /** True when calls started here carry the high bit: this side accepted the stream. */
  get serverInitiated(): boolean {
    return this.dialer === undefined;
  }

  /** True for a channel on a stream the peer opened. */
  isInbound(): boolean {
    return this.dialer === undefined;
  }

  /** True while a stream is open. */
  isConnected(): boolean {
    return this.stream !== undefined;
  }

  /**
   * True while a stream is open that the other side has accepted (it sent
   * response headers or a message); a stream the peer refuses never is.
   */
  get connected(): boolean {
    return this.stream !== undefined && this.accepted;
  }

  /** Round-trip time of unary calls, EWMA (0.8 old, 0.2 new), in ms; -1 until measured. */
  get latencyMs(): number {
    return this.latency;
  }

  /**
   * The last stream or connection error, if any; cleared by the next
   * successful call (a message received on the stream, or a one-way call
   * written to it), so a node that recovered no longer reports it.
   */
  get lastError(): ConnectError | undefined {
    return this.error;
  }

  /** Calls waiting for a reply or for a stream. */
  get pendingCount(): number {
    return this.router.size - this.abandoned.size + this.queue.length;
  }

  /**
   * Sends a call. Failures are reported through `call.onError`, never thrown.
   * Unary and streaming calls stay registered until their reply, `cancel`, or
   * a stream failure.
   */
  send(call: PendingCall): void {
    if (this.closed) {
      call.onError?.(nodeClosedError());
      return;
    }
    if (this.stream !== undefined) {
      this.write(this.stream, call);
      return;
    }
    if (this.dialer === undefined) {
      call.onError?.(streamDownError());
      return;
    }
    if (this.options.maxQueued !== undefined && this.options.maxQueued > 0 && this.queue.length >= this.options.maxQueued) {
      call.onError?.(new ConnectError("send buffer full", Code.ResourceExhausted));
      return;
    }
    this.queue.push(call);
    void this.connect();
  }

  /**
   * Forgets a call whose caller gave up, so a late reply is dropped. A call
   * the node is still answering is cancelled there too, when the node
   * announced that it understands cancels (never a Go peer).
   */
  cancel(call: PendingCall, reason?: ConnectError): void {
    if (call.kind === "unary" && reason === undefined && this.router.has(call.msg.messageSeqNo, call)) {
      // A quorum call that has what it needs leaves the rest: their replies
      // are often already on their way. Wait until the replies read in this
      // turn of the event loop are in, and cancel only the calls still open;
      // a call written here before then takes the cancels along (write).
      this.abandoned.add(call);
      this.abandonedFlush ??= setImmediate(() => this.flushAbandoned());
      return;
    }
    this.forget(call, reason);
  }

  /** Cancels the abandoned calls whose replies did not come in meanwhile. */
  private flushAbandoned(): void {
    this.abandonedFlush = undefined;
    // A new set each time: clearing and refilling the same one measured
    // about 10 µs more CPU per quorum call on the client (docs/performance.md).
    const calls = this.abandoned;
    this.abandoned = new Set();
    for (const call of calls) {
      this.forget(call, undefined);
    }
    this.updateRef();
  }

  /**
   * Lets the stream keep the process alive while calls are out, and not
   * while it idles (unless `keepProcessAlive`): as undici's idle sockets, an
   * idle connection never keeps a script from exiting.
   */
  private updateRef(): void {
    const stream = this.stream;
    if (stream === undefined || this.options.keepProcessAlive === true) {
      return;
    }
    const busy = this.router.size > this.abandoned.size || this.onewayInFlight > 0 || this.queue.length > 0;
    if (busy !== this.holding) {
      this.holding = busy;
      stream.setRef?.(busy);
    }
  }

  /** Forgets a call and, if the node is still answering it, cancels it there. */
  private forget(call: PendingCall, reason: ConnectError | undefined): void {
    if (this.router.remove(call.msg.messageSeqNo, call)) {
      const stream = this.stream;
      if (stream === undefined) {
        return;
      }
      this.updateRef();
      const cancels = this.peerCancels(stream);
      if (cancels === undefined) {
        // The peer's headers have not arrived yet (a new stream): decide when they do.
        if (this.cancelsWaiting.length < MAX_CANCELS_WAITING) {
          this.cancelsWaiting.push(cancelMessage(call.msg, reason?.code));
        }
      } else if (cancels) {
        stream.send(cancelMessage(call.msg, reason?.code)).catch(() => {}); // a broken stream ends the call there anyway
      }
      return;
    }
    const i = this.queue.indexOf(call);
    if (i >= 0) {
      this.queue.splice(i, 1);
    }
  }

  /**
   * Whether the other side of `stream` announced the cancel capability
   * (asked once per stream); undefined while its headers have not arrived.
   */
  private peerCancels(stream: BidiStream): boolean | undefined {
    if (this.cancelsKnown !== stream) {
      const headers = stream.peerHeaders;
      if (headers === undefined) {
        return stream.accepted === undefined ? false : undefined; // a stream that cannot tell never will
      }
      this.cancelsKnown = stream;
      this.cancels = announcesCapability(headers, CANCEL_CAPABILITY);
    }
    return this.cancels;
  }

  /** The peer's headers arrived: sends the cancels that waited for them, if it understands them. */
  private flushCancels(stream: BidiStream): void {
    const waiting = this.cancelsWaiting;
    if (waiting.length === 0) {
      return;
    }
    this.cancelsWaiting = [];
    if (this.peerCancels(stream) === true) {
      for (const msg of waiting) {
        stream.send(msg).catch(() => {});
      }
    }
  }

  /**
   * Opens a stream now rather than on the first call (outbound only). Resolves
   * when the stream is open or the attempt failed.
   */
  async connect(): Promise<void> {
    if (this.dialer === undefined || this.closed || this.stream !== undefined || this.connecting) {
      return;
    }
    const now = Date.now();
    if (now < this.retryAt) {
      this.failQueue(this.error ?? streamDownError());
      this.scheduleRedial(); // a timer may fire a little before the clock reads retryAt
      return;
    }
    this.connecting = true;
    try {
      const stream = await this.dialer.dial();
      this.connecting = false;
      if (this.closed) {
        stream.close();
        return;
      }
      this.attach(stream);
      const queued = this.queue;
      this.queue = [];
      for (const call of queued) {
        this.write(stream, call);
      }
      this.updateRef();
    } catch (err) {
      this.connecting = false;
      this.recordFailure(toConnectError(err));
      this.failQueue(this.error ?? streamDownError());
      this.scheduleRedial();
    }
  }

  /** With `keepConnected`, dials again once the backoff allows. */
  private scheduleRedial(): void {
    if (this.options.keepConnected !== true || this.closed || this.redial !== undefined) {
      return;
    }
    this.redial = setTimeout(
      () => {
        this.redial = undefined;
        void this.connect();
      },
      Math.max(0, this.retryAt - Date.now()) + 1,
    );
    this.redial.unref();
  }

  /**
   * Closes the channel: every pending call fails with Unavailable "node
   * closed" and later sends fail the same way. An outbound channel closes its
   * stream and connection; an inbound one leaves the peer's stream alone.
   * Idempotent.
   */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    clearTimeout(this.redial);
    if (this.abandonedFlush !== undefined) {
      clearImmediate(this.abandonedFlush);
      this.abandonedFlush = undefined;
    }
    const stream = this.stream;
    this.stream = undefined;
    for (const call of this.router.takeAll()) {
      if (!this.abandoned.delete(call)) {
        call.onError?.(nodeClosedError());
      }
    }
    this.abandoned.clear();
    this.failQueue(nodeClosedError());
    if (this.dialer !== undefined) {
      stream?.close();
      this.dialer.close();
    }
  }

  private attach(stream: BidiStream): void {
    this.stream = stream;
    this.holding = true;
    this.accepted = false;
    this.cancelsWaiting = [];
    void this.readLoop(stream);
    if (stream.accepted === undefined) {
      this.markAccepted(stream);
      return;
    }
    stream.accepted.then(() => this.markAccepted(stream));
    const after = this.options.acceptAfterMs;
    if (after !== undefined) {
      setTimeout(() => this.markAccepted(stream), after).unref();
    }
  }

  private markAccepted(stream: BidiStream): void {
    if (this.stream === stream && !this.accepted) {
      this.accepted = true;
      this.flushCancels(stream);
      this.options.onStreamUp?.(this);
    }
  }

  private write(stream: BidiStream, call: PendingCall): void {
    if (this.abandonedFlush !== undefined) {
      // The stragglers' cancels go out now, in the same write as this call,
      // rather than at the end of the turn in a write of their own: a node
      // is not woken for a cancel alone when the caller goes on calling it.
      // (With 1,000 client peers, the separate writes cost about 10% of a
      // majority call's time; docs/performance.md.)
      clearImmediate(this.abandonedFlush);
      this.flushAbandoned();
    }
    if (call.kind !== "oneway") {
      this.router.register(call, performance.now());
    }
    const written = stream.send(call.msg, call.encoded);
    if (call.kind === "oneway") {
      this.onewayInFlight++;
      written.then(
        () => {
          this.onewayInFlight--;
          if (this.stream === stream) {
            this.error = undefined;
          }
          this.updateRef();
          call.onSent?.();
        },
        (err: unknown) => {
          this.onewayInFlight--;
          this.streamFailed(stream, toConnectError(err));
          call.onError?.(this.closed ? nodeClosedError() : toConnectError(err));
        },
      );
    } else if (written !== this.watchedWrite) {
      // Sends written together share one promise: one failure handler for all of them.
      this.watchedWrite = written;
      written.catch((err: unknown) => this.streamFailed(stream, toConnectError(err)));
    }
    this.updateRef();
  }

  /**
   * Reads `stream` until it ends: through `consume` where the stream has it
   * (each message delivered inside the transport's read, no promise per
   * message), else by iterating `receive()`. Either way the end or failure
   * takes the stream down.
   */
  private readLoop(stream: BidiStream): void {
    // Replies to the requests of this stream: they go out only while it is the channel's stream.
    const reply: ReplySender = (r) => (this.stream === stream ? stream.send(r) : Promise.reject(streamDownError()));
    const sink: MessageSink<Message> = {
      message: (msg) => this.received(stream, msg, reply),
      end: (err) => {
        if (err !== undefined) {
          this.streamFailed(stream, toConnectError(err));
          return;
        }
        try {
          this.streamFailed(stream, streamDownError(), true);
        } catch {
          // As before the sink: the stream is down already, and what an
          // onStreamDown callback threw at a clean end went no further.
        }
      },
    };
    if (stream.consume !== undefined) {
      stream.consume(sink);
    } else {
      void consumeIterable(stream.receive(), sink);
    }
  }

  /**
   * One message from `stream`: the node is answering again. Returns the
   * request handler's backpressure promise (deliver no more until it settles).
   */
  private received(stream: BidiStream, msg: Message, reply: ReplySender): void | Promise<void> {
    this.failures = 0;
    if (this.stream === stream) {
      this.error = undefined; // the node answers again: its last error is history
    }
    this.markAccepted(stream);
    const room = this.deliver(msg, reply);
    this.updateRef();
    return room;
  }

  /** Routes a reply, or hands a request to `onRequest` and returns its backpressure promise. */
  private deliver(msg: Message, reply: ReplySender): void | Promise<void> {
    // On a dialed stream the other side starts calls with the high bit; on an
    // accepted stream it starts them without.
    const isRequest = isServerInitiated(msg.messageSeqNo) === (this.dialer !== undefined);
    if (isRequest) {
      if (this.options.onRequest !== undefined) {
        return this.options.onRequest(msg, reply);
      }
      if (!isCancel(msg)) {
        reply(unimplementedReply(msg)).catch(() => {});
      }
      return;
    }
    if (this.abandoned.size > 0) {
      const call = this.router.callFor(msg.messageSeqNo);
      if (call !== undefined && this.abandoned.delete(call)) {
        this.router.remove(msg.messageSeqNo, call); // its caller is gone: the reply is dropped, no cancel needed
        return;
      }
    }
    const rtt = this.router.route(msg, performance.now());
    if (rtt !== undefined && rtt >= 0) {
      this.latency = this.latency < 0 ? rtt : 0.8 * this.latency + 0.2 * rtt;
    }
  }

  private streamFailed(stream: BidiStream, err: ConnectError, endedByPeer = false): void {
    if (this.stream !== stream) {
      return; // a stale stream: its calls were moved already
    }
    this.stream = undefined;
    this.recordFailure(err);
    stream.close(endedByPeer ? undefined : err);
    const requeue: PendingCall[] = [];
    for (const call of this.router.takeAll()) {
      if (this.abandoned.delete(call)) {
        continue; // its caller is gone: not sent again
      }
      if (call.kind === "unary" && this.dialer !== undefined) {
        requeue.push(call);
      } else {
        call.onError?.(streamDownError());
      }
    }
    this.queue = requeue.concat(this.queue);
    this.options.onStreamDown?.(this, err);
    if (this.queue.length > 0) {
      void this.connect();
    } else {
      this.scheduleRedial();
    }
  }

  private recordFailure(err: ConnectError): void {
    this.error = err;
    this.failures++;
    this.retryAt = Date.now() + backoffDelay(this.failures, this.options.backoff);
  }

  private failQueue(err: ConnectError): void {
    const queued = this.queue;
    this.queue = [];
    for (const call of queued) {
      call.onError?.(err);
    }
  }
}

function unimplementedReply(request: Message): Message {
  const err = new ConnectError(`no handler registered for method ${request.method}: this side serves no calls`, Code.Unimplemented);
  return errorReply(request, err);
}
