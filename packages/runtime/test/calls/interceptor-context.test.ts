/**
 * ClientCtx carries the call's context to client interceptors (issue 17
 * item 5): its signal, timeout and deadline, and its outgoing metadata; an
 * entry an interceptor adds reaches the server handler's ServerCtx.metadata;
 * the signal aborts when the call's signal or deadline ends the call.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type ClientCtx, type QuorumInterceptor, quorumCall, responseSeq, rpcCall, type ServerInterceptor } from "../../src/index.js";
import { type Request, type Response, TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers } from "../helpers/test-servers.js";
import { expectCode, useTestServers } from "./util.js";

type I = QuorumInterceptor<Request, Response>;

/** A server interceptor that records one metadata entry of every request. */
function recording(key: string, seen: Array<string | null>): ServerInterceptor {
  return (ctx, req, next) => {
    seen.push(ctx.metadata.get(key));
    return next(ctx, req);
  };
}

describe("ClientCtx: the call's context", () => {
  const servers = useTestServers();

  it("gives the call's signal, timeout, deadline and metadata", async () => {
    const { config } = await servers.use(startTestServers(3));
    const controller = new AbortController();
    let seen: { signal: AbortSignal; timeoutMs: number | undefined; deadline: number | undefined; trace: string | null } | undefined;
    const reading: I = (ctx, next) => {
      seen = { signal: ctx.signal, timeoutMs: ctx.timeoutMs, deadline: ctx.deadline, trace: ctx.metadata.get("trace-id") };
      return next;
    };
    const before = Date.now();
    const ctx = config.context({ signal: controller.signal, timeoutMs: 4000, metadata: { "trace-id": "t-1" } });
    await quorumCall(ctx, TestService.method.echoQC, { value: "c" }, { interceptors: [reading] }).majority();
    expect(seen?.timeoutMs).toBe(4000);
    expect(seen?.deadline).toBeGreaterThanOrEqual(before + 4000);
    expect(seen?.deadline).toBeLessThanOrEqual(Date.now() + 4000);
    expect(seen?.trace).toBe("t-1");
    expect(seen?.signal.aborted).toBe(false); // a call that succeeded is not aborted

    // Without limits: no timeout, no deadline, empty metadata, a signal that never aborts.
    let bare: ClientCtx<Request, Response> | undefined;
    await quorumCall(config.context(), TestService.method.echoQC, { value: "c" }, { interceptors: [(c, next) => ((bare = c), next)] }).majority();
    expect(bare?.timeoutMs).toBeUndefined();
    expect(bare?.deadline).toBeUndefined();
    expect([...(bare?.metadata ?? new Headers())]).toEqual([]);
    expect(bare?.signal.aborted).toBe(false);
  });

  it("the deadline is fixed when the call is sent", async () => {
    const { config } = await servers.use(startTestServers(1));
    let ctxSeen: ClientCtx<Request, Response> | undefined;
    const sentAt: number[] = [];
    const grab: I = (c, next) => {
      ctxSeen = c;
      return responseSeq({
        async *[Symbol.asyncIterator]() {
          await new Promise((r) => setTimeout(r, 50));
          sentAt.push(Date.now());
          yield* next;
        },
      });
    };
    await quorumCall(config.context({ timeoutMs: 3000 }), TestService.method.echoQC, { value: "d" }, { interceptors: [grab] }).first();
    const fixed = ctxSeen?.deadline;
    expect(fixed).toBeGreaterThanOrEqual((sentAt[0] ?? 0) + 3000);
    await new Promise((r) => setTimeout(r, 20));
    expect(ctxSeen?.deadline).toBe(fixed);
  });

  it("an entry an interceptor adds reaches the server handler, beside the context's own", async () => {
    const seenAuth: Array<string | null> = [];
    const seenTrace: Array<string | null> = [];
    const { config } = await servers.use(startTestServers(3, { interceptors: [recording("authorization", seenAuth), recording("trace-id", seenTrace)] }));
    const auth: I = (ctx, next) => {
      ctx.metadata.set("authorization", `Bearer for ${ctx.method}`);
      return next;
    };
    await quorumCall(config.context({ metadata: { "trace-id": "t-2" } }), TestService.method.echoQC, { value: "a" }, { interceptors: [auth] }).all();
    expect(seenAuth).toEqual(Array(3).fill("Bearer for testsvc.TestService.EchoQC"));
    expect(seenTrace).toEqual(["t-2", "t-2", "t-2"]);

    // The context's record is not changed: the next call without the interceptor sends no token.
    seenAuth.length = 0;
    await quorumCall(config.context({ metadata: { "trace-id": "t-2" } }), TestService.method.echoQC, { value: "a" }).all();
    expect(seenAuth).toEqual([null, null, null]);

    // An rpc's interceptors add metadata the same way.
    seenAuth.length = 0;
    const node = config.nodes()[0];
    if (node === undefined) throw new Error("no node");
    await rpcCall(node.context(), TestService.method.echoRPC, { value: "r" }, { interceptors: [auth] });
    expect(seenAuth).toEqual(["Bearer for testsvc.TestService.EchoRPC"]);
  });

  it("the signal aborts when the caller's signal ends the call", async () => {
    const { config, servers: started } = await servers.use(startTestServers(3));
    for (const s of started) s.state.delayMs = 2000;
    const controller = new AbortController();
    const reasons: unknown[] = [];
    const watching: I = (ctx, next) => {
      ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason));
      return next;
    };
    const call = quorumCall(config.context({ signal: controller.signal }), TestService.method.echoQC, { value: "x" }, { interceptors: [watching] }).majority();
    setTimeout(() => controller.abort(), 50);
    await call.catch(() => {});
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(ConnectError);
    expect((reasons[0] as ConnectError).code).toBe(Code.Canceled);
  });

  it("the signal aborts with DeadlineExceeded when the deadline ends the call, and at once for an aborted signal", async () => {
    const { config, servers: started } = await servers.use(startTestServers(2));
    for (const s of started) s.state.delayMs = 2000;
    let signal: AbortSignal | undefined;
    const grab: I = (ctx, next) => ((signal = ctx.signal), next);
    const node = config.nodes()[0];
    if (node === undefined) throw new Error("no node");
    await expectCode(rpcCall(node.context({ timeoutMs: 60 }), TestService.method.echoRPC, { value: "t" }, { interceptors: [grab] }), Code.DeadlineExceeded);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as ConnectError).code).toBe(Code.DeadlineExceeded);

    const gone = AbortSignal.abort();
    let early: AbortSignal | undefined;
    const call = quorumCall(config.context({ signal: gone }), TestService.method.echoQC, { value: "t" }, { interceptors: [(ctx, next) => ((early = ctx.signal), next)] });
    expect(early?.aborted).toBe(true); // before anything is sent
    await call.results().collectAll().catch(() => {});
  });
});
