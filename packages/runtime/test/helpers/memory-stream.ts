import type { Message } from "../../src/gen/stream_pb.js";
import { AsyncQueue } from "../../src/wire/async-queue.js";
import type { BidiStream } from "../../src/wire/bidi-stream.js";

/** One end of an in-memory stream pair, with a way to break it from outside. */
export interface MemoryStreamEnd extends BidiStream {
  /** Fails both directions, as a broken connection would. */
  fail(err: Error): void;
  /** Whether close() was called on this end. */
  readonly closed: boolean;
}

/** Two connected in-memory BidiStream ends (for unit tests of the layers above). */
export function memoryStreamPair(): [MemoryStreamEnd, MemoryStreamEnd] {
  const aToB = new AsyncQueue<Message>();
  const bToA = new AsyncQueue<Message>();
  return [end(aToB, bToA), end(bToA, aToB)];
}

function end(out: AsyncQueue<Message>, inc: AsyncQueue<Message>): MemoryStreamEnd {
  let closed = false;
  let failure: Error | undefined;
  return {
    get closed() {
      return closed;
    },
    send(msg) {
      return failure !== undefined ? Promise.reject(failure) : out.push(msg);
    },
    async *receive() {
      for await (const msg of inc) {
        yield msg;
      }
      if (failure !== undefined) {
        throw failure;
      }
    },
    close() {
      closed = true;
      out.close();
    },
    fail(err) {
      failure = err;
      out.close(err);
      inc.close(err);
    },
  };
}
