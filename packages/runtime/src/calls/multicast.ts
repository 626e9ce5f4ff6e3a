import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { ConfigContext } from "../core/call-context.js";
import { ErrSendFailure, ErrSkipNode, type NodeError, QuorumCallError } from "../core/errors.js";
import type { CallOptions } from "./call-options.js";
import { CallRun } from "./call-runner.js";
import { methodName } from "../wire/method-name.js";

/**
 * A multicast: `req` goes one-way to every node. Resolves once the message
 * is written to every node's stream (not when handled); rejects with a
 * QuorumCallError(ErrSendFailure) naming the nodes it could not be written
 * to, or with the plain Canceled / DeadlineExceeded ConnectError when the
 * signal or deadline ended it first. With `ignoreErrors`, resolves at once
 * and never rejects.
 */
export async function multicastCall<I extends DescMessage, O extends DescMessage>(
  ctx: ConfigContext,
  method: DescMethodUnary<I, O>,
  req: MessageInitShape<I>,
  opts?: CallOptions<MessageShape<I>, MessageShape<O>>,
): Promise<void> {
  const run = new CallRun({ config: ctx.config, limits: ctx, method: methodName(method), input: method.input, output: method.output, request: req, kind: "oneway", options: opts });
  if (opts?.ignoreErrors === true) {
    run.start();
    return;
  }
  const errors: NodeError[] = [];
  let succeeded = 0;
  let skipped = 0;
  for await (const r of run.seq) {
    if (r.error === undefined) {
      succeeded++;
    } else if (r.error === ErrSkipNode) {
      skipped++;
    } else {
      errors.push({ nodeID: r.nodeID, error: r.error });
    }
  }
  if (run.abortedBy !== undefined) {
    // As Go's Multicast returns ctx.Err(): the caller gave up, no node failed.
    throw run.abortedBy;
  }
  if (errors.length > 0) {
    throw new QuorumCallError(ErrSendFailure, errors, { succeeded, failed: errors.length, skipped });
  }
}
