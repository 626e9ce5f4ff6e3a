/**
 * Per-stream request dispatch and server interceptors on loopback (Go
 * behaviors 36, 38, 44; issue 2 item 7): requests on one stream run one at a
 * time in arrival order — a blocked handler holds the later requests, one that
 * calls ctx.release() lets a later request overtake it, and release() is
 * idempotent (extra calls, and the return after a release, free no one else);
 * pipelined requests reach the handler in send order; ctx.signal aborts when
 * the client closes its stream or the server stops; interceptors chain with
 * the first outermost ("client-" → "client-i1in-i2in-server-i2out-i1out"),
 * wrap one-way methods too, and can refuse a call.
 */
import { type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  Server,
  type ServerCtx,
  type ServerInterceptor,
  newConfig,
  oneWayHandler,
  rpcCall,
  twoWayHandler,
  unicastCall,
  withNodeList,
} from "../../src/index.js";
import { RequestSchema, type ResponseSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { openRawStream, payloadOf } from "../helpers/raw-stream.js";
import { waitUntil } from "../helpers/wait.js";
import { cleanup, testConfig, testServer } from "../helpers/test-servers.js";

type Req = MessageShape<typeof RequestSchema>;
type Resp = MessageShape<typeof ResponseSchema>;

/** A promise with its resolve, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

const settle = () => new Promise((r) => setTimeout(r, 200));

/**
 * A server whose EchoRPC handler is driven by the request value:
 * "block:<k>" waits for gate k; "release:<k>" calls ctx.release() then waits
 * for gate k; "release3:<k>" releases, waits for gate k, then releases twice
 * more; anything else answers at once. Every start and end is logged. The
 * server stops when the test ends.
 */
async function startGatedServer(opts: { interceptors?: ServerInterceptor[] } = {}) {
  const gates = new Map<string, ReturnType<typeof gate>>();
  const gateFor = (k: string) => {
    let g = gates.get(k);
    if (g === undefined) {
      g = gate();
      gates.set(k, g);
    }
    return g;
  };
  const log: string[] = [];
  const server = testServer(opts);
  server.registerHandler(
    "testsvc.TestService.EchoRPC",
    twoWayHandler(TestService.method.echoRPC, async (ctx: ServerCtx, req: Req) => {
      log.push(`start ${req.value}`);
      const [mode, key] = req.value.split(":");
      if (mode === "release" || mode === "release3") {
        ctx.release();
      }
      if (key !== undefined) {
        await gateFor(key).promise;
      }
      if (mode === "release3") {
        ctx.release();
        ctx.release();
      }
      log.push(`end ${req.value}`);
      return { value: `echo: ${req.value}`, num: req.num };
    }),
  );
  const addr = await server.listen("127.0.0.1:0");
  return { server, addr, log, gateFor };
}

describe("per-stream FIFO dispatch", () => {

  it("a blocked handler holds later requests on the same stream", async () => {
    const s = await startGatedServer();
    const config = testConfig(withNodeList([s.addr]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 10_000 });
    const a = rpcCall(ctx, TestService.method.echoRPC, { value: "block:a" });
    await waitUntil(() => s.log.includes("start block:a"), "a to start");
    let bDone = false;
    const b = rpcCall(ctx, TestService.method.echoRPC, { value: "quick" }).then((r) => {
      bDone = true;
      return r;
    });
    await settle();
    expect(s.log).toEqual(["start block:a"]);
    expect(bDone).toBe(false);
    s.gateFor("a").open();
    expect((await a).value).toBe("echo: block:a");
    expect((await b).value).toBe("echo: quick");
    expect(s.log).toEqual(["start block:a", "end block:a", "start quick", "end quick"]);
  });

  it("ctx.release() lets a later request overtake the blocked one", async () => {
    const s = await startGatedServer();
    const config = testConfig(withNodeList([s.addr]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 10_000 });
    let aDone = false;
    const a = rpcCall(ctx, TestService.method.echoRPC, { value: "release:a" }).then((r) => {
      aDone = true;
      return r;
    });
    await waitUntil(() => s.log.includes("start release:a"), "a to start");
    // b completes while a is still blocked on its gate.
    expect((await rpcCall(ctx, TestService.method.echoRPC, { value: "quick" })).value).toBe("echo: quick");
    expect(aDone).toBe(false);
    s.gateFor("a").open();
    expect((await a).value).toBe("echo: release:a");
    expect(s.log).toEqual(["start release:a", "start quick", "end quick", "end release:a"]);
  });

  it("release() is idempotent: extra releases and the return free no further request", async () => {
    const s = await startGatedServer();
    const config = testConfig(withNodeList([s.addr]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 10_000 });
    // a releases (b may start), b blocks without releasing, c must wait for b
    // even when a releases twice more and returns while b is running.
    const a = rpcCall(ctx, TestService.method.echoRPC, { value: "release3:a" });
    await waitUntil(() => s.log.includes("start release3:a"), "a to start");
    const b = rpcCall(ctx, TestService.method.echoRPC, { value: "block:b" });
    await waitUntil(() => s.log.includes("start block:b"), "b to start");
    const c = rpcCall(ctx, TestService.method.echoRPC, { value: "quick" });
    s.gateFor("a").open();
    expect((await a).value).toBe("echo: release3:a");
    await settle();
    expect(s.log).not.toContain("start quick");
    s.gateFor("b").open();
    await Promise.all([b, c]);
    expect(s.log).toEqual(["start release3:a", "start block:b", "end release3:a", "end block:b", "start quick", "end quick"]);
  });

  it("separate streams are not serialized with each other", async () => {
    const s = await startGatedServer();
    const config = testConfig(withNodeList([s.addr]));
    const other = newConfig(withNodeList([s.addr]));
    try {
      const a = rpcCall(config.nodes()[0]!.context({ timeoutMs: 10_000 }), TestService.method.echoRPC, { value: "block:a" });
      await waitUntil(() => s.log.includes("start block:a"), "a to start");
      // Another client (another stream) is served while a blocks.
      expect((await rpcCall(other.nodes()[0]!.context({ timeoutMs: 10_000 }), TestService.method.echoRPC, { value: "quick" })).value).toBe(
        "echo: quick",
      );
      s.gateFor("a").open();
      await a;
    } finally {
      await other.close();
    }
  });

  it("100 pipelined requests on one stream reach the handler in send order (Go behavior 36)", async () => {
    const seen: bigint[] = [];
    const server = new Server();
    cleanup(() => server.stop());
    server.registerHandler(
      "testsvc.TestService.EchoRPC",
      twoWayHandler(TestService.method.echoRPC, async (_ctx, req) => {
        seen.push(req.num);
        await new Promise((r) => setTimeout(r, 0));
        return { value: "", num: req.num };
      }),
    );
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 10_000 });
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => rpcCall(ctx, TestService.method.echoRPC, { num: BigInt(i) })));
    expect(replies.map((r) => r.num)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
  });
});

describe("ctx.signal", () => {

  /** A server whose EchoRPC waits for ctx.signal and records that it saw the abort. */
  async function startSignalServer() {
    const seen: { started: boolean; aborted: boolean; reason?: unknown } = { started: false, aborted: false };
    const server = new Server();
    server.registerHandler(
      "testsvc.TestService.EchoRPC",
      twoWayHandler(TestService.method.echoRPC, async (ctx) => {
        seen.started = true;
        expect(ctx.signal.aborted).toBe(false);
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        seen.aborted = true;
        seen.reason = ctx.signal.reason;
        return {};
      }),
    );
    const addr = await server.listen("127.0.0.1:0");
    cleanup(() => server.stop());
    return { server, addr, seen };
  }

  it("aborts when the client closes its configuration", async () => {
    const s = await startSignalServer();
    const config = testConfig(withNodeList([s.addr]));
    const call = rpcCall(config.nodes()[0]!.context(), TestService.method.echoRPC, { value: "x" });
    call.catch(() => {});
    await waitUntil(() => s.seen.started, "the handler to start");
    await config.close();
    await waitUntil(() => s.seen.aborted, "the handler to see the abort");
    await expect(call).rejects.toBeInstanceOf(ConnectError);
  });

  it("aborts when a raw client ends its stream", async () => {
    const s = await startSignalServer();
    const raw = openRawStream(s.addr);
    raw.send(1n, "testsvc.TestService.EchoRPC", payloadOf(RequestSchema, { value: "x" }));
    await waitUntil(() => s.seen.started, "the handler to start");
    raw.close();
    await waitUntil(() => s.seen.aborted, "the handler to see the abort");
  });

  it("aborts when the server stops", async () => {
    const s = await startSignalServer();
    const config = testConfig(withNodeList([s.addr]));
    try {
      const call = rpcCall(config.nodes()[0]!.context(), TestService.method.echoRPC, { value: "x" });
      call.catch(() => {});
      await waitUntil(() => s.seen.started, "the handler to start");
      await s.server.stop();
      await waitUntil(() => s.seen.aborted, "the handler to see the abort");
    } finally {
      await config.close();
    }
  });

  it("of one stream does not abort when another client's stream ends", async () => {
    const s = await startSignalServer();
    const config = testConfig(withNodeList([s.addr]));
    const raw = openRawStream(s.addr);
    try {
      raw.send(1n, "testsvc.TestService.EchoRPC", payloadOf(RequestSchema, { value: "x" }));
      await waitUntil(() => s.seen.started, "the handler to start");
      await config.close(); // never sent anything, but closing must not disturb the raw stream
      await settle();
      expect(s.seen.aborted).toBe(false);
    } finally {
      raw.close();
    }
    await waitUntil(() => s.seen.aborted, "the handler to see the abort");
  });
});

describe("server interceptors", () => {

  /** Appends `name`in- to the request before next and `name`out- to the reply after (Go's TestServerInterceptorsChain). */
  const appending =
    (name: string, last: boolean): ServerInterceptor =>
    async (_ctx, req, next) => {
      (req as Req).value += `${name}in-`;
      const out = await next(_ctx, req);
      (out as Resp).value += last ? `${name}out` : `${name}out-`;
      return out;
    };

  it('chain with the first outermost: "client-" → "client-i1in-i2in-server-i2out-i1out" (Go behavior 44)', async () => {
    const server = new Server({ interceptors: [appending("i1", true), appending("i2", false)] });
    cleanup(() => server.stop());
    server.registerHandler(
      "testsvc.TestService.EchoRPC",
      twoWayHandler(TestService.method.echoRPC, (_ctx, req) => ({ value: `${req.value}server-` })),
    );
    const config = testConfig(withNodeList([await server.listen("127.0.0.1:0")]));
    const reply = await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "client-" });
    expect(reply.value).toBe("client-i1in-i2in-server-i2out-i1out");
  });

  it("see the method and wrap one-way methods too", async () => {
    const methods: string[] = [];
    const writes: string[] = [];
    const server = new Server({
      interceptors: [
        (ctx, req, next) => {
          methods.push(ctx.method);
          return next(ctx, req);
        },
      ],
    });
    cleanup(() => server.stop());
    server.registerHandler("testsvc.TestService.EchoRPC", twoWayHandler(TestService.method.echoRPC, (_ctx, req) => ({ value: req.value })));
    server.registerHandler(
      "testsvc.TestService.WriteUnicast",
      oneWayHandler(TestService.method.writeUnicast, (_ctx, req) => {
        writes.push(req.value);
      }),
    );
    const config = testConfig(withNodeList([await server.listen("127.0.0.1:0")]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 5000 });
    await unicastCall(ctx, TestService.method.writeUnicast, { value: "w" });
    await rpcCall(ctx, TestService.method.echoRPC, { value: "e" });
    expect(methods).toEqual(["testsvc.TestService.WriteUnicast", "testsvc.TestService.EchoRPC"]);
    expect(writes).toEqual(["w"]);
  });

  it("can refuse a call without running the handler; its ConnectError code reaches the client", async () => {
    let handled = 0;
    const server = new Server({
      interceptors: [
        (ctx, req, next) => {
          if ((req as Req).value === "forbidden") {
            throw new ConnectError("not allowed", Code.PermissionDenied);
          }
          return next(ctx, req);
        },
      ],
    });
    cleanup(() => server.stop());
    server.registerHandler(
      "testsvc.TestService.EchoRPC",
      twoWayHandler(TestService.method.echoRPC, (_ctx, req) => {
        handled++;
        return { value: req.value };
      }),
    );
    const config = testConfig(withNodeList([await server.listen("127.0.0.1:0")]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 5000 });
    const err = await rpcCall(ctx, TestService.method.echoRPC, { value: "forbidden" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.PermissionDenied);
    expect((err as ConnectError).rawMessage).toBe("not allowed");
    expect(handled).toBe(0);
    expect((await rpcCall(ctx, TestService.method.echoRPC, { value: "ok" })).value).toBe("ok");
    expect(handled).toBe(1);
  });
});
