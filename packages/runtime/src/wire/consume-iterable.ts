import { asError } from "./errors.js";
import type { MessageSink } from "./message-sink.js";

/**
 * Feeds `sink` from an async iterable, for streams that only offer
 * iteration: awaits each backpressure promise before the next message, and
 * ends the sink once, with the error the iteration (or the sink) threw.
 */
export async function consumeIterable<T>(messages: AsyncIterable<T>, sink: MessageSink<T>): Promise<void> {
  let failure: Error | undefined;
  try {
    for await (const item of messages) {
      const room = sink.message(item);
      if (room !== undefined) {
        await room;
      }
    }
  } catch (err) {
    failure = asError(err);
  }
  sink.end(failure);
}

