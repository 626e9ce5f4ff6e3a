import type { DescMessage, DescMethodServerStreaming, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { ConfigContext } from "../core/call-context.js";
import type { CallOptions } from "./call-options.js";
import { CallRun } from "./call-runner.js";
import { methodName } from "../wire/method-name.js";
import { Responses } from "./responses.js";

/**
 * A quorum call: `req` goes to every node of the context's configuration,
 * each answers once. Lazy: sent when the returned Responses is consumed.
 */
export function quorumCall<I extends DescMessage, O extends DescMessage>(
  ctx: ConfigContext,
  method: DescMethodUnary<I, O>,
  req: MessageInitShape<I>,
  opts?: CallOptions<MessageShape<I>, MessageShape<O>>,
): Responses<MessageShape<O>> {
  return responses(ctx, method, req, "unary", opts);
}

/**
 * A streaming quorum call: `req` goes to every node, each may answer any
 * number of times. The replies end when the call's signal or deadline fires,
 * when a terminal method or correctable is satisfied, or when every node's
 * stream has failed.
 */
export function quorumCallStream<I extends DescMessage, O extends DescMessage>(
  ctx: ConfigContext,
  method: DescMethodServerStreaming<I, O>,
  req: MessageInitShape<I>,
  opts?: CallOptions<MessageShape<I>, MessageShape<O>>,
): Responses<MessageShape<O>> {
  return responses(ctx, method, req, "streaming", opts);
}

function responses<I extends DescMessage, O extends DescMessage>(
  ctx: ConfigContext,
  method: DescMethodUnary<I, O> | DescMethodServerStreaming<I, O>,
  req: MessageInitShape<I>,
  kind: "unary" | "streaming",
  opts: CallOptions<MessageShape<I>, MessageShape<O>> | undefined,
): Responses<MessageShape<O>> {
  const run = new CallRun({ config: ctx.config, limits: ctx, method: methodName(method), input: method.input, output: method.output, request: req, kind, options: opts });
  return new Responses(run.seq, run);
}
