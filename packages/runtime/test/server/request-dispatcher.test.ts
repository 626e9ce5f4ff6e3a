/**
 * RequestDispatcher on its own (no network; issue 6's synchronous path and
 * issue 7's "bad input never takes the stream down"): a handler that returns
 * its reply is answered before `enqueue` returns — no promise, no microtask
 * — and the requests queued behind it run in the same call; a handler that
 * returns a promise is answered after it settles, in order; a thrown value
 * that cannot even be stringified (Object.create(null)) is an Unknown
 * status, synchronously or as a rejection, and the next request is served.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { twoWayHandler } from "../../src/index.js";
import type { Message } from "../../src/gen/stream_pb.js";
import type { Handler } from "../../src/server/handler.js";
import { RequestDispatcher } from "../../src/server/request-dispatcher.js";
import { RequestGate } from "../../src/server/request-gate.js";
import { requestMessage } from "../../src/wire/message.js";
import { RequestSchema, ResponseSchema, TestService } from "../gen/testsvc/testsvc_pb.js";

const METHOD = "testsvc.TestService.EchoRPC";

/** A dispatcher serving `handler` for METHOD; `sent` collects the replies as the stream would take them. */
function dispatcher(handler: Handler) {
  const sent: Message[] = [];
  const d = new RequestDispatcher(
    { handler: (m) => (m === METHOD ? handler : undefined), interceptors: [], gate: new RequestGate() },
    { signal: new AbortController().signal, headers: new Headers(), peer: { address: "127.0.0.1:1", nodeID: 0 }, config: () => { throw new Error("unused"); }, clientConfig: () => { throw new Error("unused"); } },
  );
  const reply = (msg: Message) => {
    sent.push(msg);
    return Promise.resolve();
  };
  let seq = 0n;
  const enqueue = (value: string) => d.enqueue(requestMessage(++seq, METHOD, toBinary(RequestSchema, create(RequestSchema, { value })), []), reply);
  const values = () => sent.map((m) => (m.status !== undefined ? `status ${Code[m.status.code]}` : fromBinary(ResponseSchema, m.payload).value));
  return { enqueue, values, sent };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe("RequestDispatcher", () => {
  it("a handler that returns its reply is answered before enqueue returns", () => {
    const d = dispatcher(twoWayHandler(TestService.method.echoRPC, (_ctx, req) => ({ value: `echo: ${req.value}` })));
    d.enqueue("a");
    expect(d.values()).toEqual(["echo: a"]);
    d.enqueue("b");
    d.enqueue("c");
    expect(d.values()).toEqual(["echo: a", "echo: b", "echo: c"]);
  });

  it("requests behind an asynchronous one wait for it, then run in order", async () => {
    const d = dispatcher(
      twoWayHandler(TestService.method.echoRPC, (_ctx, req) =>
        req.value === "slow" ? new Promise((r) => setTimeout(() => r({ value: "echo: slow" }), 5)) : { value: `echo: ${req.value}` },
      ),
    );
    d.enqueue("slow");
    d.enqueue("a");
    d.enqueue("b");
    expect(d.values()).toEqual([]);
    await settle();
    expect(d.values()).toEqual(["echo: slow", "echo: a", "echo: b"]);
  });

  it("a thrown value that cannot be stringified is Unknown, thrown or rejected, and the next request is served", async () => {
    const d = dispatcher(
      twoWayHandler(TestService.method.echoRPC, (_ctx, req) => {
        if (req.value === "sync") {
          throw Object.create(null);
        }
        if (req.value === "async") {
          return Promise.reject(Object.create(null));
        }
        return { value: `echo: ${req.value}` };
      }),
    );
    d.enqueue("sync");
    d.enqueue("after sync");
    d.enqueue("async");
    d.enqueue("after async");
    await settle();
    expect(d.values()).toEqual(["status Unknown", "echo: after sync", "status Unknown", "echo: after async"]);
    expect(d.sent[0]?.status?.message).toBe("handler threw a value that is not an Error");
  });
});
