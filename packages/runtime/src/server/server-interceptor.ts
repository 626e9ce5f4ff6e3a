import type { Message } from "@bufbuild/protobuf";
import type { ServerCtx } from "./server-ctx.js";

/** The rest of the chain: later interceptors, then the handler. Resolves with the reply (undefined for one-way and streaming methods). */
export type ServerNext = (ctx: ServerCtx, req: Message) => Promise<Message | undefined>;

/**
 * Wraps every request the server handles. The first interceptor is the
 * outermost. Requests and replies are decoded messages: changes to them need
 * no re-encoding.
 */
export type ServerInterceptor = (ctx: ServerCtx, req: Message, next: ServerNext) => Promise<Message | undefined>;

/** Builds the chain of `interceptors` around `last`. */
export function chainInterceptors(interceptors: readonly ServerInterceptor[], last: ServerNext): ServerNext {
  let next = last;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i] as ServerInterceptor;
    const inner = next;
    next = (ctx, req) => interceptor(ctx, req, inner);
  }
  return next;
}
