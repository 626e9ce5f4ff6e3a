import { fromBinary, type Message as AnyMessage, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Message } from "../gen/stream_pb.js";
import type { ReplySender } from "../wire/channel.js";
import { errorReply, replyMessage } from "../wire/message.js";
import type { Handler } from "./handler.js";
import type { RequestGate } from "./request-gate.js";
import { RequestCtx, type ServerCtxSource } from "./server-ctx.js";
import { chainInterceptors, type ServerInterceptor, type ServerNext } from "./server-interceptor.js";

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
 */
export class RequestDispatcher {
  private readonly queue: Queued[] = [];
  private busy = false;
  /** Bytes of replies sent and not yet settled (written, or failed). */
  private unsettledBytes = 0;
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
    this.queue.push({ request, reply });
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
    while (!this.busy && this.queue.length > 0 && this.unsettledBytes <= REPLY_HIGH_WATER_BYTES) {
      const next = this.queue.shift() as Queued;
      this.busy = true;
      let released = false;
      const release = () => {
        if (!released) {
          released = true;
          this.busy = false;
          this.pump();
        }
      };
      this.serve(next, release).finally(release);
    }
    if (this.queue.length <= MAX_QUEUED_REQUESTS / 2) {
      this.wakeReaders();
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
   * failed): above the high-water mark no further request starts.
   */
  private send(reply: ReplySender, msg: Message): Promise<void> {
    const bytes = msg.payload.byteLength + REPLY_OVERHEAD_BYTES;
    this.unsettledBytes += bytes;
    const sent = reply(msg);
    const settled = () => {
      this.unsettledBytes -= bytes;
      if (!this.busy && this.queue.length > 0) {
        this.pump();
      }
    };
    sent.then(settled, settled);
    return sent;
  }

  /** Sends a reply that nobody waits for: one that cannot be written has nowhere to go. */
  private sendAndForget(reply: ReplySender, msg: Message): void {
    this.send(reply, msg).catch(() => {});
  }

  private async serve(queued: Queued, release: () => void): Promise<void> {
    const { gate } = this.table;
    if (!gate.admit()) {
      this.sendAndForget(queued.reply, errorReply(queued.request, new ConnectError("server is stopping", Code.Unavailable)));
      return;
    }
    try {
      await this.handle(queued, release);
    } finally {
      gate.done();
    }
  }

  private async handle({ request, reply }: Queued, release: () => void): Promise<void> {
    const handler = this.table.handler(request.method);
    if (handler === undefined) {
      this.sendAndForget(reply, errorReply(request, new ConnectError(`no handler registered for method ${request.method}`, Code.Unimplemented)));
      return;
    }
    let req: AnyMessage;
    try {
      req = fromBinary(handler.input, request.payload);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.sendAndForget(reply, errorReply(request, new ConnectError(`gorums: could not unmarshal request: ${why}`, Code.InvalidArgument)));
      return;
    }
    const ctx = new RequestCtx(request.method, request.entry, this.source, release);
    const sendReply = (r: AnyMessage) => this.send(reply, replyMessage(request, toBinary(handler.output, r)));
    const invoke: ServerNext = (c, r) => handler.invoke(c, r, sendReply);
    // The chain is built per request, so an interceptor may pass on a ctx of its own.
    const interceptors = this.table.interceptors;
    try {
      const out = await (interceptors.length === 0 ? invoke(ctx, req) : chainInterceptors(interceptors, invoke)(ctx, req));
      if (handler.kind === "twoway") {
        this.sendAndForget(reply, out === undefined ? errorReply(request, new ConnectError("handler returned no reply", Code.Internal)) : replyMessage(request, toBinary(handler.output, out)));
      }
    } catch (err) {
      if (handler.kind !== "oneway") {
        this.sendAndForget(reply, errorReply(request, ConnectError.from(err, Code.Unknown)));
      }
    }
  }
}
