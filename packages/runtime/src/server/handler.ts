import {
  create,
  type DescMessage,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type Message,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import type { ServerCtx } from "./server-ctx.js";

/**
 * How a method answers: `twoway` once (rpc, quorum call), `oneway` never
 * (unicast, multicast), `stream` any number of times (streaming quorum call).
 */
export type HandlerKind = "twoway" | "oneway" | "stream";

/** Sends one reply of a streaming handler. */
export type SendReply = (reply: Message) => Promise<void>;

/**
 * A registered method, as the server dispatches it: decoded request in,
 * decoded reply (or nothing) out. Made by `twoWayHandler`, `oneWayHandler`
 * and `streamHandler`; generated register functions use those.
 */
export interface Handler {
  readonly kind: HandlerKind;
  readonly input: DescMessage;
  readonly output: DescMessage;
  /** Runs the method. Two-way handlers resolve with the reply; others with undefined. */
  invoke(ctx: ServerCtx, req: Message, send: SendReply): Promise<Message | undefined>;
}

/** A handler that answers each request once (rpc and quorum call methods). */
export function twoWayHandler<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  impl: (ctx: ServerCtx, req: MessageShape<I>) => MessageInitShape<O> | Promise<MessageInitShape<O>>,
): Handler {
  return {
    kind: "twoway",
    input: method.input,
    output: method.output,
    async invoke(ctx, req) {
      return create(method.output, await impl(ctx, req as MessageShape<I>));
    },
  };
}

/** A handler that never answers (unicast and multicast methods). */
export function oneWayHandler<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  impl: (ctx: ServerCtx, req: MessageShape<I>) => void | Promise<void>,
): Handler {
  return {
    kind: "oneway",
    input: method.input,
    output: method.output,
    async invoke(ctx, req) {
      await impl(ctx, req as MessageShape<I>);
      return undefined;
    },
  };
}

/**
 * A handler that answers any number of times through `send` (streaming
 * quorum call methods). Returning sends nothing more: there is no end marker.
 */
export function streamHandler<I extends DescMessage, O extends DescMessage>(
  method: DescMethodServerStreaming<I, O>,
  impl: (ctx: ServerCtx, req: MessageShape<I>, send: (resp: MessageInitShape<O>) => Promise<void>) => void | Promise<void>,
): Handler {
  return {
    kind: "stream",
    input: method.input,
    output: method.output,
    async invoke(ctx, req, send) {
      await impl(ctx, req as MessageShape<I>, (resp) => send(create(method.output, resp)));
      return undefined;
    },
  };
}
