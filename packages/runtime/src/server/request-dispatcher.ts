import type { Message as AnyMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodePayload } from "../codec/payload-encoder.js";
import type { Message } from "../gen/stream_pb.js";
import { cancelCode, isCancel, requestTimeoutMs } from "../wire/call-end.js";
import type { ReplySender } from "../wire/channel.js";
import { errorReply, replyMessage } from "../wire/message.js";
import { type Handler, isPromiseLike, type SendReply } from "./handler.js";
import type { RequestGate } from "./request-gate.js";
import { deadlinePassed, RequestCtx, type ServerCtxSource } from "./server-ctx.js";
import { chainInterceptors, type ServerInterceptor } from "./server-interceptor.js";
import { decodePayload } from "../codec/payload-decoder.js";

/** The handlers and interceptors a dispatcher serves with. */
export interface HandlerTable {
  handler(method: string): Handler | undefined;
  readonly interceptors: readonly ServerInterceptor[];
  /** Admits requests while the server is not draining. */
  readonly gate: RequestGate;
}

interface Queued {
  readonly request: Message;
  readonly reply: ReplySender;
  /** When the caller's deadline passes (performance.now() time), if it sent its time left. */
  readonly deadline: number | undefined;
}

/**
 * Reply bytes handed to the stream and not yet written out (the peer does not
 * read them), above which the next request waits.
 */
const REPLY_HIGH_WATER_BYTES = 1 << 20;
/** Bytes counted per reply besides its payload (envelope, frame header). */
const REPLY_OVERHEAD_BYTES = 64;
/** Requests queued on one stream at which the stream's reading pauses. */
const MAX_QUEUED_REQUESTS = 1024;

/**
 * Serves the requests of one stream one at a time, in arrival order: the next
 * starts when the handler returns or calls `ctx.release()`. Errors become
 * status replies: a thrown ConnectError keeps its code, anything else is
 * Unknown; an unknown method is Unimplemented, an undecodable request
 * InvalidArgument. One-way methods never get a success reply.
 *
 * Backpressure, so that a peer that sends requests but does not read the
 * replies cannot make this process buffer without bound: while more than
 * 1 MiB of replies wait to be written (the stream's writer waits for
 * 'drain'), the next request does not start; while 1024 requests are queued,
 * `enqueue` returns a promise and the channel stops reading the stream until
 * half of them were served (HTTP/2 flow control then stops the peer).
 *
 * A call's end reaches its handler: a request whose caller sent its time
 * left (`gorums-timeout`) and that is still queued when that passes is
 * answered DeadlineExceeded without running; a cancel (`gorums-cancel`)
 * drops a queued request, or ends a running one (its `ctx.signal` aborts with
 * Canceled, the queue goes on, a streaming handler's sends resolve false).
 */
export class RequestDispatcher {
  private readonly queue: Queued[] = [];
  /** The handlers still running after they returned a promise, by sequence number: the ones a cancel can end. */
  private readonly running = new Map<bigint, RequestCtx>();
  private busy = false;
  /** The serving loop is running (a handler that releases synchronously must not start another). */
  private pumping = false;
  /** Bytes of replies sent and not yet settled (written, or failed). */
  private unsettledBytes = 0;
  /** The latest send's promise and the bytes of the replies it covers. */
  private lastSend: { readonly sent: Promise<void>; bytes: number } | undefined;
  /** The channel's readers waiting for room in the queue. */
  private roomWaiters: Array<() => void> = [];

  constructor(
    private readonly table: HandlerTable,
    private readonly source: ServerCtxSource,
  ) {}

  /**
   * Queues a request; it runs after those before it. Returns a promise when
   * the queue is full: deliver no more until it resolves.
   */
  enqueue(request: Message, reply: ReplySender): Promise<void> | undefined {
    let deadline: number | undefined;
    if (request.entry.length > 0) {
      if (isCancel(request)) {
        this.cancel(request.messageSeqNo, cancelCode(request));
        return undefined;
      }
      const left = requestTimeoutMs(request);
      deadline = left === undefined ? undefined : performance.now() + left;
    }
    this.queue.push({ request, reply, deadline });
    this.pump();
    if (this.queue.length < MAX_QUEUED_REQUESTS || this.source.signal.aborted) {
      return undefined;
    }
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private pump(): void {
    if (this.source.signal.aborted) {
      // The stream ended or the server stopped: nobody can take the replies.
      this.queue.length = 0;
      this.wakeReaders();
      return;
    }
    if (this.pumping) {
      return; // a handler released synchronously: the loop below goes on
    }
    this.pumping = true;
    try {
      while (!this.busy && this.queue.length > 0 && this.unsettledBytes <= REPLY_HIGH_WATER_BYTES) {
        const next = this.queue.shift() as Queued;
        if (next.deadline !== undefined && performance.now() >= next.deadline) {
          this.expired(next);
          continue;
        }
        this.busy = true;
        let released = false;
        const release = () => {
          if (!released) {
            released = true;
            this.busy = false;
            this.pump();
          }
        };
        let running: Promise<void> | undefined;
        try {
          running = this.serve(next, release);
        } catch {
          // A bug below (serve handles what handlers throw): answer Internal
          // rather than take the stream down, and go on with the next request.
          this.send(next.reply, errorReply(next.request, new ConnectError("gorums: internal error while serving the request", Code.Internal)));
          running = undefined;
        }
        if (running === undefined) {
          release();
        } else {
          running.then(release, release);
        }
      }
    } finally {
      this.pumping = false;
    }
    if (this.queue.length <= MAX_QUEUED_REQUESTS / 2) {
      this.wakeReaders();
    }
  }

  /** The caller ended call `seqNo` (`code`: why): a queued request is dropped, a running handler's call ends. */
  private cancel(seqNo: bigint, code: Code): void {
    const running = this.running.get(seqNo);
    if (running !== undefined) {
      running.end(code === Code.DeadlineExceeded ? deadlinePassed() : new ConnectError("the caller canceled the call", Code.Canceled));
      return;
    }
    const i = this.queue.findIndex((q) => q.request.messageSeqNo === seqNo);
    if (i >= 0) {
      this.queue.splice(i, 1);
    }
  }

  /** A request whose deadline passed while it waited: answered DeadlineExceeded (one-way calls: nothing), never run. */
  private expired({ request, reply }: Queued): void {
    if (this.table.handler(request.method)?.kind !== "oneway") {
      this.send(reply, errorReply(request, deadlinePassed()));
    }
  }

  private wakeReaders(): void {
    const waiting = this.roomWaiters;
    if (waiting.length > 0) {
      this.roomWaiters = [];
      for (const wake of waiting) {
        wake();
      }
    }
  }

  /**
   * Sends a reply, counting its bytes until the stream took them (or
   * failed): above the high-water mark no further request starts. Replies
   * that the stream takes in one batch (one shared promise) are settled
   * together, with one reaction for the batch. The reaction also handles a
   * failed send: callers may drop the promise (a reply that cannot be
   * written has nowhere to go).
   */
  private send(reply: ReplySender, msg: Message): Promise<void> {
    const bytes = msg.payload.byteLength + REPLY_OVERHEAD_BYTES;
    this.unsettledBytes += bytes;
    const sent = reply(msg);
    const last = this.lastSend;
    if (last !== undefined && last.sent === sent) {
      last.bytes += bytes;
      return sent;
    }
    const pending = { sent, bytes };
    this.lastSend = pending;
    const settled = () => {
      if (this.lastSend === pending) {
        this.lastSend = undefined;
      }
      this.unsettledBytes -= pending.bytes;
      if (!this.busy && this.queue.length > 0) {
        this.pump();
      }
    };
    // Also marks a failed send as handled: the replies nobody waits for have nowhere to go.
    sent.then(settled, settled);
    return sent;
  }

  /**
   * Serves one request. A handler that returns its reply directly is served
   * synchronously and this returns undefined; otherwise the promise settles
   * when the handler is done.
   */
  private serve(queued: Queued, release: () => void): Promise<void> | undefined {
    const { gate } = this.table;
    if (!gate.admit()) {
      this.send(queued.reply, errorReply(queued.request, new ConnectError("server is stopping", Code.Unavailable)));
      return undefined;
    }
    let running: Promise<void> | undefined;
    try {
      running = this.handle(queued, release);
    } finally {
      if (running === undefined) {
        gate.done();
      }
    }
    return running?.finally(() => gate.done());
  }

  private handle({ request, reply, deadline }: Queued, release: () => void): Promise<void> | undefined {
    const handler = this.table.handler(request.method);
    if (handler === undefined) {
      this.send(reply, errorReply(request, new ConnectError(`no handler registered for method ${request.method}`, Code.Unimplemented)));
      return undefined;
    }
    let req: AnyMessage;
    try {
      req = decodePayload(handler.input, request.payload);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.send(reply, errorReply(request, new ConnectError(`gorums: could not unmarshal request: ${why}`, Code.InvalidArgument)));
      return undefined;
    }
    const ctx = new RequestCtx(request.method, request.entry, this.source, release, deadline);
    const sendReply: SendReply =
      handler.kind === "stream"
        ? (r) => {
            if (ctx.ended) {
              return ENDED;
            }
            return this.send(reply, replyMessage(request, encodePayload(handler.output, r))).then(SENT, NOT_SENT);
          }
        : notStreaming;
    // The chain is built per request, so an interceptor may pass on a ctx of its own.
    const interceptors = this.table.interceptors;
    let out: AnyMessage | undefined | PromiseLike<AnyMessage | undefined>;
    try {
      out =
        interceptors.length === 0
          ? handler.invoke(ctx, req, sendReply)
          : chainInterceptors(interceptors, async (c, r) => handler.invoke(c, r, sendReply))(ctx, req);
    } catch (err) {
      ctx.dispose();
      this.failed(handler, request, reply, err);
      return undefined;
    }
    if (isPromiseLike(out)) {
      // Running past its return: a cancel or the deadline may end it now.
      const seqNo = request.messageSeqNo;
      this.running.set(seqNo, ctx);
      ctx.watchDeadline();
      const done = () => {
        if (this.running.get(seqNo) === ctx) {
          this.running.delete(seqNo);
        }
        ctx.dispose();
      };
      return Promise.resolve(out).then(
        (value) => {
          done();
          if (!ctx.ended) {
            this.answer(handler, request, reply, value);
          }
        },
        (err: unknown) => {
          done();
          if (!ctx.ended) {
            this.failed(handler, request, reply, err);
          }
        },
      );
    }
    ctx.dispose();
    this.answer(handler, request, reply, out);
    return undefined;
  }

  /** Sends a two-way handler's reply (one-way and streaming handlers have sent what they send). */
  private answer(handler: Handler, request: Message, reply: ReplySender, out: AnyMessage | undefined): void {
    if (handler.kind !== "twoway") {
      return;
    }
    if (out === undefined) {
      this.send(reply, errorReply(request, new ConnectError("handler returned no reply", Code.Internal)));
      return;
    }
    let payload: Uint8Array;
    try {
      payload = encodePayload(handler.output, out);
    } catch (err) {
      this.failed(handler, request, reply, err);
      return;
    }
    this.send(reply, replyMessage(request, payload));
  }

  /** Turns a handler's error into a status reply (one-way methods have nobody to tell). */
  private failed(handler: Handler, request: Message, reply: ReplySender, err: unknown): void {
    if (handler.kind !== "oneway") {
      this.send(reply, errorReply(request, statusOf(err)));
    }
  }
}

/** What a handler threw, as the status its caller gets: a ConnectError as it is, anything else Unknown. */
function statusOf(err: unknown): ConnectError {
  try {
    return ConnectError.from(err, Code.Unknown);
  } catch {
    // A thrown value that cannot even be turned into a string (Object.create(null)).
    return new ConnectError("handler threw a value that is not an Error", Code.Unknown);
  }
}

const ENDED = Promise.resolve(false);
const SENT = () => true;
const NOT_SENT = () => false;

/** The `send` of a method that is not streaming: its handler has nothing to send it through. */
const notStreaming: SendReply = () => Promise.reject(new ConnectError("gorums: only streaming methods send replies through send()", Code.Internal));
