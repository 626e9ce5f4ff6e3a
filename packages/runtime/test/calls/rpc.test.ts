/**
 * rpcCall against real test servers on 127.0.0.1: success (Go behaviors 1, 6),
 * a stopped server (2), an aborted signal and a deadline (3, 32), handler
 * errors keeping or becoming gRPC codes, late replies to timed-out calls
 * dropped (34), concurrency (5), per-stream FIFO
 * order (36), an unresponsive handler that delays nobody else (33), per-call
 * metadata reaching the handler (41) and calls after close (60).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type Configuration, ErrNodeClosed, errorIsKind, rpcCall, type ServerInterceptor } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, stopAll, type TestServer, testCluster } from "../helpers/test-servers.js";
import { configOf, expectCode } from "./util.js";

describe("rpcCall", () => {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;

  const node1 = () => {
    const n = config?.node(1);
    if (n === undefined) {
      throw new Error("no node 1");
    }
    return n;
  };

  it("returns the handler's reply (explicit rpc option and plain method)", async () => {
    ({ servers, config } = await testCluster(1));
    const ctx = node1().context({ timeoutMs: 5000 });
    const resp = await rpcCall(ctx, TestService.method.echoRPC, { value: "test", num: 7n });
    expect(resp.value).toBe("echo: test");
    expect(resp.num).toBe(1n);
    const plain = await rpcCall(ctx, TestService.method.echo, { value: "plain" });
    expect(plain.value).toBe("echo: plain");
    expect(servers[0]?.state.nums).toEqual([7n, 0n]);
  });

  it("fails with Unavailable when the server is stopped", async () => {
    servers = await startTestServers(1);
    await stopAll(servers);
    config = configOf(servers);
    await expectCode(rpcCall(node1().context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }), Code.Unavailable);
  });

  it("fails with Canceled when the signal has already aborted, and sends nothing", async () => {
    ({ servers, config } = await testCluster(1));
    const ac = new AbortController();
    ac.abort();
    await expectCode(rpcCall(node1().context({ signal: ac.signal }), TestService.method.echoRPC, { value: "x", num: 1n }), Code.Canceled);
    // The server saw nothing: the next call is the first it gets.
    await rpcCall(node1().context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "y", num: 2n });
    expect(servers[0]?.state.nums).toEqual([2n]);
  });

  it("fails with Canceled when the signal aborts while waiting", async () => {
    servers = await startTestServers(1);
    servers[0]!.state.delayMs = 5000;
    config = configOf(servers);
    const ac = new AbortController();
    const p = rpcCall(node1().context({ signal: ac.signal }), TestService.method.echoRPC, { value: "x" });
    setTimeout(() => ac.abort(), 20);
    await expectCode(p, Code.Canceled);
  });

  it("fails with DeadlineExceeded when the handler is slower than timeoutMs", async () => {
    servers = await startTestServers(1);
    servers[0]!.state.delayMs = 5000;
    config = configOf(servers);
    await expectCode(rpcCall(node1().context({ timeoutMs: 50 }), TestService.method.echoRPC, { value: "x" }), Code.DeadlineExceeded);
  });

  it("a signal aborted with AbortSignal.timeout reports DeadlineExceeded", async () => {
    servers = await startTestServers(1);
    servers[0]!.state.delayMs = 5000;
    config = configOf(servers);
    await expectCode(rpcCall(node1().context({ signal: AbortSignal.timeout(50) }), TestService.method.echoRPC, { value: "x" }), Code.DeadlineExceeded);
  });

  it("a late reply to a timed-out call is dropped: the next call gets its own reply", async () => {
    ({ servers, config } = await testCluster(1));
    // Connect first, so that the call that times out was surely sent.
    await rpcCall(node1().context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "warm" });
    servers[0]!.state.delayMs = 300;
    await expectCode(rpcCall(node1().context({ timeoutMs: 30 }), TestService.method.echoRPC, { value: "first" }), Code.DeadlineExceeded);
    servers[0]!.state.delayMs = 0;
    // Served after "first" (one request at a time per stream), so its reply follows the late one.
    const second = await rpcCall(node1().context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "second" });
    expect(second.value).toBe("echo: second");
    expect(servers[0]?.state.nums.length).toBe(3);
    expect(node1().pendingCount).toBe(0);
  });

  it("a handler's ConnectError keeps its code and message; a plain Error becomes Unknown", async () => {
    ({ servers, config } = await testCluster(1));
    const ctx = node1().context({ timeoutMs: 5000 });
    const e1 = await expectCode(rpcCall(ctx, TestService.method.echoRPC, { value: `fail:${Code.PermissionDenied}` }), Code.PermissionDenied);
    expect(e1.rawMessage).toBe(`failure ${Code.PermissionDenied}`);
    await expectCode(rpcCall(ctx, TestService.method.echoRPC, { value: `fail:${Code.NotFound}` }), Code.NotFound);
    const e2 = await expectCode(rpcCall(ctx, TestService.method.echoRPC, { value: "fail:0" }), Code.Unknown);
    expect(e2.rawMessage).toContain("plain failure");
    // The stream lives on after handler errors.
    expect((await rpcCall(ctx, TestService.method.echoRPC, { value: "after" })).value).toBe("echo: after");
  });

  it("10 concurrent rpcs all succeed with their own replies", async () => {
    ({ servers, config } = await testCluster(1));
    const ctx = node1().context({ timeoutMs: 10_000 });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => rpcCall(ctx, TestService.method.echoRPC, { value: `v${i}`, num: BigInt(i) })));
    expect(replies.map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `echo: v${i}`));
    expect([...(servers[0]?.state.nums ?? [])].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
  });

  it("100 sequential rpcs reach the server in order", async () => {
    ({ servers, config } = await testCluster(1));
    const ctx = node1().context({ timeoutMs: 10_000 });
    for (let i = 1; i <= 100; i++) {
      await rpcCall(ctx, TestService.method.echoRPC, { value: "o", num: BigInt(i) });
    }
    expect(servers[0]?.state.nums).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));
  });

  it("rpcs issued without awaiting reach the server in issue order", async () => {
    ({ servers, config } = await testCluster(1));
    const ctx = node1().context({ timeoutMs: 10_000 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => rpcCall(ctx, TestService.method.echoRPC, { value: "o", num: BigInt(i + 1) })));
    expect(servers[0]?.state.nums).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));
  });

  it("an unresponsive handler: 50 rpcs with 20 ms timeouts fail DeadlineExceeded while another server keeps answering", async () => {
    servers = await startTestServers(2);
    servers[0]!.state.delayMs = 60_000;
    config = configOf(servers);
    const slow = node1().context({ timeoutMs: 20 });
    const fast = config.node(2)!.context({ timeoutMs: 10_000 });
    const errors = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        try {
          await rpcCall(slow, TestService.method.echoRPC, { value: "slow", num: BigInt(i) });
          return undefined;
        } catch (err) {
          return err;
        }
      }),
    );
    for (const err of errors) {
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    }
    for (let i = 0; i < 20; i++) {
      expect((await rpcCall(fast, TestService.method.echoRPC, { value: `f${i}` })).value).toBe(`echo: f${i}`);
      // Sequential slow calls also fail promptly, one after the other.
      await expectCode(rpcCall(slow, TestService.method.echoRPC, { value: "slow" }), Code.DeadlineExceeded);
    }
    // The timed-out calls are forgotten by the channel.
    expect(node1().pendingCount).toBe(0);
  });

  it("per-call metadata reaches the handler, together with the stream headers", async () => {
    const seen: Array<{ trace: string | null; who: string | null }> = [];
    const record: ServerInterceptor = (ctx, req, next) => {
      seen.push({ trace: ctx.metadata.get("x-trace"), who: ctx.metadata.get("x-who") });
      return next(ctx, req);
    };
    ({ servers, config } = await testCluster(1, { server: { interceptors: [record] } }));
    await rpcCall(node1().context({ timeoutMs: 5000, metadata: { "x-trace": "t-1" } }), TestService.method.echoRPC, { value: "a" });
    await rpcCall(node1().context({ timeoutMs: 5000, metadata: { "x-trace": "t-2", "x-who": "me" } }), TestService.method.echoRPC, { value: "b" });
    await rpcCall(node1().context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "c" });
    expect(seen).toEqual([
      { trace: "t-1", who: null },
      { trace: "t-2", who: "me" },
      { trace: null, who: null },
    ]);
  });

  it("a call after config.close() fails with Unavailable \"node closed\"", async () => {
    ({ servers, config } = await testCluster(1));
    const node = node1();
    expect((await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "before" })).value).toBe("echo: before");
    await config.close();
    const err = await expectCode(rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "after" }), Code.Unavailable);
    expect(err.rawMessage).toBe(ErrNodeClosed.rawMessage);
    // Each failure has an error of its own (its own stack and metadata), of the kind ErrNodeClosed.
    const again = await expectCode(rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "again" }), Code.Unavailable);
    expect(again).not.toBe(err);
    expect(err).not.toBe(ErrNodeClosed);
    expect(errorIsKind(err, ErrNodeClosed) && errorIsKind(again, ErrNodeClosed)).toBe(true);
    err.metadata.set("x-seen", "1");
    expect(again.metadata.has("x-seen") || ErrNodeClosed.metadata.has("x-seen")).toBe(false);
  });

  it("a call in flight when the configuration closes fails with \"node closed\"", async () => {
    servers = await startTestServers(1);
    servers[0]!.state.delayMs = 5000;
    config = configOf(servers);
    const p = rpcCall(node1().context(), TestService.method.echoRPC, { value: "x" });
    // Wait until the server got it, then close.
    while (servers[0]!.state.nums.length === 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await config.close();
    const err = await expectCode(p, Code.Unavailable);
    expect(err.rawMessage).toBe("node closed");
  });
});
