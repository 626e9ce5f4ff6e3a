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
 * Serves the requests of one stream one at a time, in arrival order: the next
 * starts when the handler returns or calls `ctx.release()`. Errors become
 * status replies: a thrown ConnectError keeps its code, anything else is
 * Unknown; an unknown method is Unimplemented, an undecodable request
 * InvalidArgument. One-way methods never get a success reply.
 */
export class RequestDispatcher {
  private readonly queue: Queued[] = [];
  private busy = false;

  constructor(
    private readonly table: HandlerTable,
    private readonly source: ServerCtxSource,
  ) {}

  /** Queues a request; it runs after those before it. */
  enqueue(request: Message, reply: ReplySender): void {
    this.queue.push({ request, reply });
    this.pump();
  }

  private pump(): void {
    if (this.source.signal.aborted) {
      // The stream ended or the server stopped: nobody can take the replies.
      this.queue.length = 0;
      return;
    }
    while (!this.busy && this.queue.length > 0) {
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
  }

  private async serve(queued: Queued, release: () => void): Promise<void> {
    const { gate } = this.table;
    if (!gate.admit()) {
      send(queued.reply, errorReply(queued.request, new ConnectError("server is stopping", Code.Unavailable)));
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
      send(reply, errorReply(request, new ConnectError(`no handler registered for method ${request.method}`, Code.Unimplemented)));
      return;
    }
    let req: AnyMessage;
    try {
      req = fromBinary(handler.input, request.payload);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      send(reply, errorReply(request, new ConnectError(`gorums: could not unmarshal request: ${why}`, Code.InvalidArgument)));
      return;
    }
    const ctx = new RequestCtx(request.method, request.entry, this.source, release);
    const sendReply = (r: AnyMessage) => reply(replyMessage(request, toBinary(handler.output, r)));
    const invoke: ServerNext = (c, r) => handler.invoke(c, r, sendReply);
    // The chain is built per request, so an interceptor may pass on a ctx of its own.
    const interceptors = this.table.interceptors;
    try {
      const out = await (interceptors.length === 0 ? invoke(ctx, req) : chainInterceptors(interceptors, invoke)(ctx, req));
      if (handler.kind === "twoway") {
        send(reply, out === undefined ? errorReply(request, new ConnectError("handler returned no reply", Code.Internal)) : replyMessage(request, toBinary(handler.output, out)));
      }
    } catch (err) {
      if (handler.kind !== "oneway") {
        send(reply, errorReply(request, ConnectError.from(err, Code.Unknown)));
      }
    }
  }
}

function send(reply: ReplySender, msg: Message): void {
  // A reply that cannot be written has nowhere to go: the caller's stream is gone.
  reply(msg).catch(() => {});
}
