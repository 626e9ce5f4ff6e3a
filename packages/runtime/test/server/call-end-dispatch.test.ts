/**
 * A call's end reaching the dispatcher (issue 14), without a network: a
 * request that carries its caller's time left (`gorums-timeout`) and is
 * still queued when it passes is answered DeadlineExceeded and never runs; a
 * running handler's `ctx.signal` aborts with DeadlineExceeded when it passes;
 * a cancel (`gorums-cancel`) drops a queued request and ends a running one
 * (its signal aborts with Canceled, the queue goes on without it, a
 * streaming handler's sends resolve false); neither leaves a timer behind.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/gen/stream_pb.js";
import { type Handler, streamHandler, twoWayHandler } from "../../src/server/handler.js";
import { RequestDispatcher } from "../../src/server/request-dispatcher.js";
import { RequestGate } from "../../src/server/request-gate.js";
import type { ServerCtx } from "../../src/server/server-ctx.js";
import { cancelMessage, timeoutEntry } from "../../src/wire/call-end.js";
import { requestMessage } from "../../src/wire/message.js";
import { RequestSchema, ResponseSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { sleep } from "../helpers/wait.js";

const RPC = "testsvc.TestService.EchoRPC";
const STREAM = "testsvc.TestService.EchoStream";

function dispatcher(handlers: Record<string, Handler>) {
  const sent: Message[] = [];
  const d = new RequestDispatcher(
    { handler: (m) => handlers[m], interceptors: [], gate: new RequestGate() },
    {
      signal: new AbortController().signal,
      headers: new Headers(),
      peer: { address: "127.0.0.1:1", nodeID: 0 },
      config: () => {
        throw new Error("unused");
      },
      clientConfig: () => {
        throw new Error("unused");
      },
    },
  );
  const reply = (msg: Message) => {
    sent.push(msg);
    return Promise.resolve();
  };
  let seq = 0n;
  const request = (method: string, value: string, timeoutMs?: number) =>
    requestMessage(++seq, method, toBinary(RequestSchema, create(RequestSchema, { value })), timeoutMs === undefined ? [] : [timeoutEntry(timeoutMs)]);
  const enqueue = (msg: Message) => {
    d.enqueue(msg, reply);
    return msg;
  };
  const values = () => sent.map((m) => (m.status !== undefined ? `status ${Code[m.status.code]}` : fromBinary(ResponseSchema, m.payload).value));
  return { request, enqueue, values, sent, cancel: (msg: Message) => d.enqueue(cancelMessage(msg), reply) };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** A handler that holds the queue (never releases) until `open()`. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

/** A dispatcher whose handler records every value it runs and holds the queue on "hold" until `hold.open()`. */
function holdingDispatcher() {
  const hold = gate();
  const ran: string[] = [];
  const d = dispatcher({
    [RPC]: twoWayHandler(TestService.method.echoRPC, async (_ctx, req) => {
      ran.push(req.value);
      if (req.value === "hold") {
        await hold.opened;
      }
      return { value: `echo: ${req.value}` };
    }),
  });
  return { hold, ran, d };
}

describe("deadlines reach the dispatcher", () => {
  it("a request still queued when its deadline passes is answered DeadlineExceeded and never runs", async () => {
    const { hold, ran, d } = holdingDispatcher();
    d.enqueue(d.request(RPC, "hold"));
    d.enqueue(d.request(RPC, "late", 30));
    d.enqueue(d.request(RPC, "in time", 5000));
    await sleep(80);
    hold.open();
    await sleep(20);
    expect(ran).toEqual(["hold", "in time"]);
    expect(d.values()).toEqual(["echo: hold", "status DeadlineExceeded", "echo: in time"]);
  });

  it("a running handler's signal aborts with DeadlineExceeded when the deadline passes, and the queue goes on", async () => {
    let reason: unknown;
    let abortedAfter = -1;
    const d = dispatcher({
      [RPC]: twoWayHandler(TestService.method.echoRPC, async (ctx, req) => {
        if (req.value === "slow") {
          const start = performance.now();
          await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r(), { once: true }));
          abortedAfter = performance.now() - start;
          reason = ctx.signal.reason;
        }
        return { value: `echo: ${req.value}` };
      }),
    });
    const before = timers();
    d.enqueue(d.request(RPC, "slow", 50));
    d.enqueue(d.request(RPC, "next"));
    await sleep(120);
    expect(abortedAfter).toBeGreaterThanOrEqual(45);
    expect(abortedAfter).toBeLessThan(110);
    expect(reason).toBeInstanceOf(ConnectError);
    expect((reason as ConnectError).code).toBe(Code.DeadlineExceeded);
    // The ended call's own reply is not sent (its caller is gone); the next one is.
    expect(d.values()).toEqual(["echo: next"]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("a handler that never looks at its signal, past its deadline, no longer holds the queue", async () => {
    const hold = gate();
    const d = dispatcher({
      [RPC]: twoWayHandler(TestService.method.echoRPC, async (_ctx, req) => {
        if (req.value === "forever") {
          await hold.opened;
        }
        return { value: `echo: ${req.value}` };
      }),
    });
    d.enqueue(d.request(RPC, "forever", 30));
    d.enqueue(d.request(RPC, "behind"));
    await sleep(80);
    expect(d.values()).toEqual(["echo: behind"]);
    hold.open();
  });
});

describe("cancels reach the dispatcher", () => {
  it("a cancel drops a queued request: it never runs", async () => {
    const { hold, ran, d } = holdingDispatcher();
    d.enqueue(d.request(RPC, "hold"));
    const dropped = d.enqueue(d.request(RPC, "dropped"));
    d.enqueue(d.request(RPC, "kept"));
    d.cancel(dropped);
    hold.open();
    await sleep(20);
    expect(ran).toEqual(["hold", "kept"]);
    expect(d.values()).toEqual(["echo: hold", "echo: kept"]);
  });

  it("a cancel ends a running handler: Canceled signal, no reply, the queue goes on", async () => {
    let reason: ConnectError | undefined;
    const d = dispatcher({
      [RPC]: twoWayHandler(TestService.method.echoRPC, async (ctx, req) => {
        if (req.value === "slow") {
          await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r(), { once: true }));
          reason = ctx.signal.reason as ConnectError;
        }
        return { value: `echo: ${req.value}` };
      }),
    });
    const slow = d.enqueue(d.request(RPC, "slow"));
    d.enqueue(d.request(RPC, "next"));
    await sleep(10);
    expect(d.values()).toEqual([]);
    d.cancel(slow);
    await sleep(10);
    expect(reason?.code).toBe(Code.Canceled);
    expect(d.values()).toEqual(["echo: next"]);
  });

  it("a streaming handler that never releases: after a cancel its sends resolve false and the next request runs", async () => {
    const results: boolean[] = [];
    let stopped = false;
    const d = dispatcher({
      [STREAM]: streamHandler(TestService.method.echoStream, async (_ctx, req, send) => {
        // Deliberately neither releases nor looks at ctx.signal: it stops when send() says the call is over.
        for (;;) {
          const ok = await send({ value: req.value });
          results.push(ok);
          if (!ok) {
            stopped = true;
            return;
          }
          await sleep(5);
        }
      }),
      [RPC]: twoWayHandler(TestService.method.echoRPC, (_ctx, req) => ({ value: `echo: ${req.value}` })),
    });
    const stream = d.enqueue(d.request(STREAM, "s"));
    d.enqueue(d.request(RPC, "after"));
    await sleep(30);
    expect(d.values()).not.toContain("echo: after"); // held by the streaming handler
    d.cancel(stream);
    await sleep(20);
    expect(d.values()).toContain("echo: after");
    expect(stopped).toBe(true);
    expect(results.at(-1)).toBe(false);
    expect(results.slice(0, -1).every((ok) => ok)).toBe(true);
  });

  it("a cancel for a call that already answered, or one never seen, changes nothing", () => {
    const d = dispatcher({ [RPC]: twoWayHandler(TestService.method.echoRPC, (_ctx, req) => ({ value: `echo: ${req.value}` })) });
    const done = d.enqueue(d.request(RPC, "a"));
    d.cancel(done);
    d.cancel(requestMessage(99n, RPC, new Uint8Array(), []));
    d.enqueue(d.request(RPC, "b"));
    expect(d.values()).toEqual(["echo: a", "echo: b"]);
  });

  it("the signal a handler took before the cancel aborts, and ctx.signal is the same object", async () => {
    let signal: AbortSignal | undefined;
    let same = false;
    const d = dispatcher({
      [RPC]: twoWayHandler(TestService.method.echoRPC, async (ctx: ServerCtx) => {
        signal = ctx.signal;
        await sleep(30);
        same = ctx.signal === signal;
        return { value: "x" };
      }),
    });
    const call = d.enqueue(d.request(RPC, "a"));
    await sleep(5);
    d.cancel(call);
    await sleep(40);
    expect(signal?.aborted).toBe(true);
    expect(same).toBe(true);
  });
});
