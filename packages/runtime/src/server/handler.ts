import {
  create,
  type DescMessage,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type Message,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { methodName } from "../wire/method-name.js";
import type { ServerCtx } from "./server-ctx.js";

/**
 * How a method answers: `twoway` once (rpc, quorum call), `oneway` never
 * (unicast, multicast), `stream` any number of times (streaming quorum call).
 */
export type HandlerKind = "twoway" | "oneway" | "stream";

/**
 * Sends one reply of a streaming handler. Resolves true once the stream took
 * it, false when nothing was sent: the call had ended (the caller cancelled
 * it, its deadline passed, the stream is gone).
 */
export type SendReply = (reply: Message) => Promise<boolean>;

/**
 * A registered method, as the server dispatches it: decoded request in,
 * decoded reply (or nothing) out. Made by `twoWayHandler`, `oneWayHandler`,
 * `streamHandler` and `unimplementedHandler`; generated register functions
 * use those.
 */
export interface Handler {
  /** The method it serves; `Server.registerHandler(handler)` registers it under the method's wire name. */
  readonly method: DescMethod;
  readonly kind: HandlerKind;
  readonly input: DescMessage;
  readonly output: DescMessage;
  /**
   * Runs the method. Two-way handlers give the reply; others undefined. A
   * method implemented without `async` that returns its reply directly is
   * answered without a promise (the dispatcher's fast path); one that
   * returns a promise is awaited.
   */
  invoke(ctx: ServerCtx, req: Message, send: SendReply): Message | undefined | Promise<Message | undefined>;
}

/** Whether a handler's result is a promise to wait for (a message's fields are never functions). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** A handler that answers each request once (rpc and quorum call methods). */
export function twoWayHandler<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  impl: (ctx: ServerCtx, req: MessageShape<I>) => MessageInitShape<O> | Promise<MessageInitShape<O>>,
): Handler {
  return {
    method,
    kind: "twoway",
    input: method.input,
    output: method.output,
    invoke(ctx, req) {
      const out = impl(ctx, req as MessageShape<I>);
      return isPromiseLike(out) ? Promise.resolve(out).then((o) => create(method.output, o)) : create(method.output, out);
    },
  };
}

/** A handler that never answers (unicast and multicast methods). */
export function oneWayHandler<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  impl: (ctx: ServerCtx, req: MessageShape<I>) => void | Promise<void>,
): Handler {
  return {
    method,
    kind: "oneway",
    input: method.input,
    output: method.output,
    invoke(ctx, req) {
      const out = impl(ctx, req as MessageShape<I>);
      return isPromiseLike(out) ? Promise.resolve(out).then(() => undefined) : undefined;
    },
  };
}

/**
 * A handler that answers any number of times through `send` (streaming
 * quorum call methods). Returning sends nothing more: there is no end marker.
 * `send` resolves true once a reply went out, false once the call has ended
 * (then stop: nobody reads the replies).
 */
export function streamHandler<I extends DescMessage, O extends DescMessage>(
  method: DescMethodServerStreaming<I, O>,
  impl: (ctx: ServerCtx, req: MessageShape<I>, send: (resp: MessageInitShape<O>) => Promise<boolean>) => void | Promise<unknown>,
): Handler {
  return {
    method,
    kind: "stream",
    input: method.input,
    output: method.output,
    invoke(ctx, req, send) {
      const out = impl(ctx, req as MessageShape<I>, (resp) => send(create(method.output, resp)));
      return isPromiseLike(out) ? Promise.resolve(out).then(() => undefined) : undefined;
    },
  };
}

/**
 * A handler for a method the server does not implement: every request fails
 * with `Unimplemented` and the message "`pkg.Service.Method` is not
 * implemented" (connect-es's answer for a method left out of
 * `router.service(Service, Partial<ServiceImpl>)`). `kind` is how the method
 * answers, so that a one-way method (unicast, multicast) stays silent: its
 * caller expects no reply. Generated register functions use it for the
 * methods left out of a partial implementation; server interceptors still
 * see the request.
 */
export function unimplementedHandler(method: DescMethod, kind: HandlerKind): Handler {
  const message = `${methodName(method)} is not implemented`;
  return {
    method,
    kind,
    input: method.input,
    output: method.output,
    invoke() {
      throw new ConnectError(message, Code.Unimplemented);
    },
  };
}
