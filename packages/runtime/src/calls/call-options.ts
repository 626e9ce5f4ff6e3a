import type { Node } from "../core/node.js";
import type { ClientCtx } from "./client-ctx.js";
import type { ResponseSeq } from "./response-seq.js";
import { responseSeq } from "./response-seq.js";

/**
 * Wraps the replies of a call: gets the call's context and the sequence
 * below it, returns the sequence the caller (or the next interceptor) reads.
 * Interceptors are applied in order, each wrapping the previous one. A
 * wrapper must pass `return()` on to `next` when its reader stops early (an
 * async generator looping with `for await` does): that is how a satisfied
 * terminal method ends the call. An interceptor that never reads `next`
 * sends nothing.
 */
export type QuorumInterceptor<Req, Resp> = (ctx: ClientCtx<Req, Resp>, next: ResponseSeq<Resp>) => ResponseSeq<Resp>;

/** Options of one call. */
export interface CallOptions<Req, Resp> {
  /**
   * Multicast and unicast: do not wait for the message to be written and
   * never report errors (fire and forget). Default false.
   */
  ignoreErrors?: boolean;
  /** Interceptors, applied in order (see `mapRequest`, `mapResponse`). */
  interceptors?: QuorumInterceptor<Req, Resp>[];
}

/**
 * Sends each node its own request: `fn(req, node)`, or skips the node when
 * `fn` returns undefined (the node then reports `ErrSkipNode`, which is
 * neither a success nor a failure).
 */
export function mapRequest<Req, Resp>(fn: (req: Req, node: Node) => NoInfer<Req> | undefined): QuorumInterceptor<Req, Resp> {
  return (ctx, next) => {
    ctx.transformRequest(fn);
    return next;
  };
}

/** Rewrites each successful reply: `fn(resp, node)`. Errors pass unchanged. */
export function mapResponse<Req, Resp>(fn: (resp: Resp, node: Node) => Resp): QuorumInterceptor<Req, Resp> {
  return (ctx, next) =>
    responseSeq({
      async *[Symbol.asyncIterator]() {
        for await (const r of next) {
          const node = ctx.node(r.nodeID);
          yield r.error === undefined && node !== undefined ? { nodeID: r.nodeID, value: fn(r.value, node) } : r;
        }
      },
    });
}
