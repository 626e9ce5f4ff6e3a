import { ConnectError } from "@connectrpc/connect";
import type { Message } from "../../gen/stream_pb.js";
import { AsyncQueue } from "../async-queue.js";
import { streamDownError } from "../errors.js";
import type { BidiStream } from "../bidi-stream.js";

/** A server-side NodeStream: the BidiStream, and what the connect handler yields. */
export interface ServerStream {
  readonly stream: BidiStream;
  /** The messages to yield from the connect-node handler; throws the status the stream was closed with. */
  readonly replies: AsyncIterable<Message>;
}

/**
 * Wraps a connect-node bidi handler invocation (its request iterable) as a
 * BidiStream. Closing it with a ConnectError ends the call with that status;
 * closing it without a reason ends the call cleanly. When `callEnded` (the
 * handler context's signal) aborts — the client is gone or cancelled —
 * replies still queued are dropped and their sends reject, so that a sender
 * waiting for room (backpressure) does not wait forever.
 */
export function connectServerStream(requests: AsyncIterable<Message>, callEnded?: AbortSignal): ServerStream {
  const outgoing = new AsyncQueue<Message>();
  let status: ConnectError | undefined;
  const dropQueued = () => outgoing.close(streamDownError());
  if (callEnded?.aborted === true) {
    dropQueued();
  } else {
    callEnded?.addEventListener("abort", dropQueued, { once: true });
  }
  const stream: BidiStream = {
    send(msg) {
      return outgoing.push(msg);
    },
    receive() {
      return requests;
    },
    close(reason) {
      if (reason instanceof ConnectError && status === undefined) {
        status = reason;
      }
      outgoing.close();
    },
  };
  async function* replies(): AsyncGenerator<Message> {
    for await (const msg of outgoing) {
      yield msg;
    }
    if (status !== undefined) {
      throw status;
    }
  }
  return { stream, replies: replies() };
}
