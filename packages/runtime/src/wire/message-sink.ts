/**
 * Takes the messages of a stream as they arrive, instead of iterating them
 * (`BidiStream.consume`, `MessageQueue.consume`): no promise, iterator result
 * or microtask per message.
 */
export interface MessageSink<T> {
  /**
   * One message, in arrival order. Returning a promise asks for
   * backpressure: no message is delivered until it resolves (later ones are
   * queued, and the producer pauses past the queue's high-water marks). A
   * throw or a rejection ends the delivery as a throw from a `for await`
   * body ends the iteration: the rest is dropped, the stream is told the
   * receiver stopped, and `end` gets the error.
   */
  message(item: T): void | Promise<void>;
  /**
   * The delivery is over, after every message before it: `err` undefined
   * when the stream ended cleanly (a `for await` loop's end), else why it
   * failed (what the loop would throw). Called once, from a microtask
   * (as the loop would see it): never inside the call or event that ended
   * the stream. Nothing follows it.
   */
  end(err: Error | undefined): void;
}
