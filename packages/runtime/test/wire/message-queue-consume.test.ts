/**
 * MessageQueue.consume: the synchronous delivery path under the channel's
 * read loop. Messages reach the sink inside `push`, a sink's promise holds
 * the later ones back (pausing the producer at the high-water marks), the
 * end comes once after the queued messages, a throwing sink stops the
 * delivery without throwing into the producer, and re-entrant pushes and
 * ends are delivered after the sink returns, in order.
 */
import { describe, expect, it } from "vitest";
import { consumeIterable } from "../../src/wire/consume-iterable.js";
import { MessageQueue } from "../../src/wire/message-queue.js";
import type { MessageSink } from "../../src/wire/message-sink.js";

/** A queue whose hooks and sink record what happens, in order, in `events`. */
function recorded(onMessage: (n: number) => void | Promise<void> = () => {}) {
  const events: string[] = [];
  const ends: Array<Error | undefined> = [];
  const queue = new MessageQueue<number>({
    pause: () => events.push("pause"),
    resume: () => events.push("resume"),
    stopped: () => events.push("stopped"),
  });
  const sink: MessageSink<number> = {
    message: (n) => {
      events.push(`msg ${n}`);
      return onMessage(n);
    },
    end: (err) => {
      events.push(err === undefined ? "end" : `end ${err.message}`);
      ends.push(err);
    },
  };
  const messages = () => events.filter((e) => e.startsWith("msg ")).map((e) => Number(e.slice(4)));
  return { queue, sink, events, ends, messages };
}

/** A recorded queue whose sink is consuming, past the start's microtask. */
async function consuming(onMessage?: (n: number) => void | Promise<void>) {
  const r = recorded(onMessage);
  r.queue.consume(r.sink);
  await settle();
  return r;
}

/** A promise and its resolvers. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending reactions run. */
const settle = () => new Promise((r) => setImmediate(r));

describe("MessageQueue.consume", () => {
  it("delivers each message inside push, in order, with no microtask between", async () => {
    const { queue, messages } = await consuming();
    queue.push(1);
    expect(messages()).toEqual([1]);
    queue.push(2);
    queue.push(3);
    expect(messages()).toEqual([1, 2, 3]);
  });

  it("delivers what was queued before consume from a microtask, after the caller's turn, then the end", async () => {
    const { queue, sink, events } = recorded();
    queue.push(1);
    queue.push(2);
    queue.end();
    queue.consume(sink);
    expect(events).toEqual([]);
    await settle();
    expect(events).toEqual(["msg 1", "msg 2", "end"]);
  });

  it("holds the later messages back while the sink's promise is pending and delivers them in order once it resolves", async () => {
    const gate = deferred();
    const { queue, messages } = await consuming((n) => (n === 1 ? gate.promise : undefined));
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(messages()).toEqual([1]);
    gate.resolve();
    await settle();
    expect(messages()).toEqual([1, 2, 3]);
    queue.push(4); // synchronous again
    expect(messages()).toEqual([1, 2, 3, 4]);
  });

  it("pauses the producer past 1024 waiting messages or 1 MiB and resumes it once the sink took them all", async () => {
    const gate = deferred();
    const { queue, events, messages } = await consuming((n) => (n === 0 ? gate.promise : undefined));
    for (let i = 0; i <= 1025; i++) {
      queue.push(i);
    }
    expect(events.filter((e) => e === "pause")).toHaveLength(1);
    expect(events.at(-1)).toBe("pause"); // after the 1025th waiting message
    gate.resolve();
    await settle();
    expect(messages()).toEqual(Array.from({ length: 1026 }, (_, i) => i));
    expect(events.filter((e) => e === "resume")).toHaveLength(1);
    // By bytes: one big message waiting behind a pending promise.
    const again = deferred();
    const big = await consuming((n) => (n === 0 ? again.promise : undefined));
    big.queue.push(0);
    big.queue.push(1, 2 << 20);
    expect(big.events).toEqual(["msg 0", "pause"]);
    again.resolve();
    await settle();
    expect(big.events).toEqual(["msg 0", "pause", "resume", "msg 1"]);
  });

  it("reports a clean end, and an error, after the queued messages, once; pushes after the end are dropped", async () => {
    for (const err of [undefined, new Error("reset")]) {
      const gate = deferred();
      const { queue, events, ends } = await consuming((n) => (n === 1 ? gate.promise : undefined));
      queue.push(1);
      queue.push(2);
      queue.end(err);
      queue.end(new Error("second end"));
      queue.push(3);
      expect(events).toEqual(["msg 1"]);
      gate.resolve();
      await settle();
      expect(events).toEqual(["msg 1", "msg 2", err === undefined ? "end" : "end reset"]);
      expect(ends).toEqual([err]);
    }
  });

  it("reports the end from a microtask, never inside the call that ended the queue", async () => {
    const { queue, events } = await consuming();
    queue.push(1);
    queue.end();
    expect(events).toEqual(["msg 1"]);
    await Promise.resolve();
    expect(events).toEqual(["msg 1", "end"]);
  });

  it("stops on a sink that throws: nothing reaches the producer, the rest is dropped, the producer is told, the end carries the error", async () => {
    const boom = new Error("bug below");
    const gate = deferred();
    const { queue, events, ends } = await consuming((n) => {
      if (n === 1) {
        return gate.promise;
      }
      if (n === 2) {
        throw boom;
      }
    });
    queue.push(1);
    queue.push(2);
    queue.push(3);
    gate.resolve();
    await settle();
    expect(events).toEqual(["msg 1", "msg 2", "stopped", "end bug below"]);
    expect(ends).toEqual([boom]);
    // Synchronously inside push, too: push does not throw.
    const sync = await consuming(() => {
      throw "not an Error";
    });
    expect(() => sync.queue.push(1)).not.toThrow();
    sync.queue.push(2);
    expect(sync.events).toEqual(["msg 1", "stopped"]);
    await settle();
    expect(sync.events).toEqual(["msg 1", "stopped", "end not an Error"]);
  });

  it("stops on a sink whose promise rejects", async () => {
    const gate = deferred();
    const { queue, events } = await consuming((n) => (n === 1 ? gate.promise : undefined));
    queue.push(1);
    queue.push(2);
    gate.reject(new Error("handler failed"));
    await settle();
    expect(events).toEqual(["msg 1", "stopped", "end handler failed"]);
  });

  it("delivers what the sink pushes and ends re-entrantly after it returns, in order, and nothing after the end", async () => {
    const r = recorded((n) => {
      if (n === 1) {
        r.queue.push(2); // e.g. a fake peer answering synchronously
        r.queue.end(new Error("closed from inside"));
        r.queue.push(3);
        r.events.push("sink 1 returns");
      }
    });
    r.queue.consume(r.sink);
    await settle();
    r.queue.push(1);
    r.queue.push(4);
    await settle();
    expect(r.events).toEqual(["msg 1", "sink 1 returns", "msg 2", "end closed from inside"]);
  });

  it("keeps an end handler's throw out of the producer's call", async () => {
    const queue = new MessageQueue<number>({ pause: () => {}, resume: () => {}, stopped: () => {} });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      queue.consume({
        message: () => {},
        end: () => {
          throw new Error("end handler bug");
        },
      });
      await settle();
      expect(() => queue.end()).not.toThrow();
      await settle();
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([new Error("end handler bug")]);
  });
});

describe("consumeIterable", () => {
  it("feeds a sink from an iterable, waiting for its promises, and ends it once with the iteration's error", async () => {
    const gate = deferred();
    const { sink, events } = recorded((n) => (n === 1 ? gate.promise : undefined));
    async function* source() {
      yield 1;
      events.push("source resumed");
      yield 2;
      throw new Error("stream reset");
    }
    const done = consumeIterable(source(), sink);
    await settle();
    expect(events).toEqual(["msg 1"]);
    gate.resolve();
    await done;
    expect(events).toEqual(["msg 1", "source resumed", "msg 2", "end stream reset"]);
  });
});
