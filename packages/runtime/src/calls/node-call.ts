import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { NodeContext } from "../core/call-context.js";
import { Configuration } from "../core/configuration.js";
import { ErrSkipNode } from "../core/errors.js";
import type { CallOptions } from "./call-options.js";
import { CallRun } from "./call-runner.js";
import { methodName } from "../wire/method-name.js";

/**
 * An rpc: `req` goes to the context's node, which answers once. Rejects
 * with the node's error (a ConnectError with a gRPC code).
 */
export async function rpcCall<I extends DescMessage, O extends DescMessage>(
  ctx: NodeContext,
  method: DescMethodUnary<I, O>,
  req: MessageInitShape<I>,
  opts?: CallOptions<MessageShape<I>, MessageShape<O>>,
): Promise<MessageShape<O>> {
  const run = nodeCall(ctx, method, req, "unary", opts);
  for await (const r of run.seq) {
    if (r.error !== undefined) {
      throw r.error;
    }
    return r.value;
  }
  throw ErrSkipNode;
}

/**
 * A unicast: `req` goes one-way to the context's node. Resolves once written
 * to the node's stream; rejects when it could not be. With `ignoreErrors`,
 * resolves at once and never rejects.
 */
export async function unicastCall<I extends DescMessage, O extends DescMessage>(
  ctx: NodeContext,
  method: DescMethodUnary<I, O>,
  req: MessageInitShape<I>,
  opts?: CallOptions<MessageShape<I>, MessageShape<O>>,
): Promise<void> {
  const run = nodeCall(ctx, method, req, "oneway", opts);
  if (opts?.ignoreErrors === true) {
    run.start();
    return;
  }
  for await (const r of run.seq) {
    if (r.error !== undefined && r.error !== ErrSkipNode) {
      throw r.error;
    }
  }
}

function nodeCall<I extends DescMessage, O extends DescMessage>(
  ctx: NodeContext,
  method: DescMethodUnary<I, O>,
  req: MessageInitShape<I>,
  kind: "unary" | "oneway",
  opts: CallOptions<MessageShape<I>, MessageShape<O>> | undefined,
): CallRun<I, O> {
  const config = new Configuration([ctx.node], ctx.node.registry);
  return new CallRun({ config, limits: ctx, method: methodName(method), input: method.input, output: method.output, request: req, kind, options: opts });
}
