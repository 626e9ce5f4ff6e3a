/**
 * quorumCall against real test servers on 127.0.0.1: laziness (Go behavior
 * 15), terminal methods incl. threshold and a 4-node majority of 3 (12–14),
 * results() in arrival order with ignoreErrors/filter/collectN/collectAll and
 * a custom sum (16, 18–20), several terminals on one Responses, 100
 * sequential quorum calls, calls started without awaiting and quorum calls
 * alternating with rpcs arriving in order at 4 servers (37), two calls in
 * flight resolving to their own values (12, 21), deadlines with
 * slow nodes (13, §16: ErrIncomplete whose node errors are
 * DeadlineExceeded), an aborted signal (32), per-call metadata (41) and calls
 * after close (60).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrIncomplete, mapRequest, type NodeResponse, quorumCall, rpcCall, type ServerInterceptor } from "../../src/index.js";
import { type Request, type Response, TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer } from "../helpers/test-servers.js";
import { configOf, expectQuorumError } from "./util.js";
import { sleep } from "../helpers/wait.js";

describe("quorumCall", () => {
  let servers: TestServer[] = [];

  const setup = async (n: number, opts?: Parameters<typeof startTestServers>[1]) => {
    servers = await startTestServers(n, opts);
    const config = configOf(servers);
    return config;
  };

  /** The nodes in `failing` answer with this gRPC code (0: a plain Error, so Unknown). */
  const failNodes = (failing: number[], code: Code | 0) => mapRequest<Request, Response>((req, node) => (failing.includes(node.id) ? { ...req, value: `fail:${code}` } : req));

  it("is lazy: nothing reaches a server until the Responses is consumed", async () => {
    const cfg = await setup(3);
    const ctx = cfg.context({ timeoutMs: 5000 });
    const lazy = quorumCall(ctx, TestService.method.echoQC, { value: "lazy", num: 1n });
    expect(lazy.size).toBe(3);
    await sleep(50);
    // A later call that completes everywhere: had the lazy call been sent, it
    // would have reached each server first (one ordered stream per node).
    await quorumCall(ctx, TestService.method.echoQC, { value: "other", num: 2n }).all();
    expect(servers.map((s) => s.state.nums)).toEqual([[2n], [2n], [2n]]);
    expect(await lazy.all()).toMatchObject({ value: "echo: lazy" });
    expect(servers.map((s) => s.state.nums)).toEqual([
      [2n, 1n],
      [2n, 1n],
      [2n, 1n],
    ]);
  });

  it("first, majority, all and threshold(n) return the echo", async () => {
    const cfg = await setup(3);
    const ctx = cfg.context({ timeoutMs: 5000 });
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "test" }).first()).value).toBe("echo: test");
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "test" }).majority()).value).toBe("echo: test");
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "test" }).all()).value).toBe("echo: test");
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "test" }).threshold(2)).value).toBe("echo: test");
    const err = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "test" }).threshold(4), ErrIncomplete);
    expect(err.nodeErrors).toEqual([]);
  });

  for (const stopped of [1, 2]) {
    it(`4 nodes, ${stopped} stopped: majority (3) ${stopped === 1 ? "succeeds" : "fails with ErrIncomplete"}`, async () => {
      const cfg = await setup(4);
      await Promise.all(servers.slice(0, stopped).map((s) => s.server.stop()));
      const responses = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "m" });
      if (stopped === 1) {
        expect((await responses.majority()).value).toBe("echo: m");
      } else {
        const err = await expectQuorumError(responses.majority(), ErrIncomplete);
        expect(err.nodeErrors.map((e) => e.nodeID).sort()).toEqual([1, 2]);
        for (const e of err.nodeErrors) {
          expect((e.error as ConnectError).code).toBe(Code.Unavailable);
        }
      }
    });
  }

  it("handler errors are node errors with their gRPC codes; the quorum may still be reached", async () => {
    const cfg = await setup(3);
    const ctx = cfg.context({ timeoutMs: 5000 });
    const opts = { interceptors: [failNodes([2], Code.FailedPrecondition)] };
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "x" }, opts).majority()).value).toBe("echo: x");
    const err = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "x" }, opts).all(), ErrIncomplete);
    expect(err.nodeErrors.length).toBe(1);
    expect(err.nodeErrors[0]?.nodeID).toBe(2);
    expect(err.nodeErrors[0]?.error).toBeInstanceOf(ConnectError);
    expect((err.nodeErrors[0]?.error as ConnectError).code).toBe(Code.FailedPrecondition);
    const unknown = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "x" }, { interceptors: [failNodes([1, 3], 0)] }).majority(), ErrIncomplete);
    expect(unknown.nodeErrors.map((e) => (e.error as ConnectError).code)).toEqual([Code.Unknown, Code.Unknown]);
  });

  it("results() yields every reply in arrival order, errors included", async () => {
    const cfg = await setup(3);
    servers[0]!.state.delayMs = 300; // node 1 answers last
    const got: NodeResponse<Response>[] = [];
    for await (const r of quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "r" }, { interceptors: [failNodes([2], Code.Aborted)] }).results()) {
      got.push(r);
    }
    expect(got.length).toBe(3);
    expect(got[2]).toMatchObject({ nodeID: 1, value: { value: "echo: r", num: 1n } });
    expect(new Set(got.map((r) => r.nodeID))).toEqual(new Set([1, 2, 3]));
    const failed = got.find((r) => r.nodeID === 2);
    expect(failed?.value).toBeUndefined();
    expect((failed?.error as ConnectError).code).toBe(Code.Aborted);
    expect(got.find((r) => r.nodeID === 3)?.value?.value).toBe("echo: r");
  });

  it("results() helpers: ignoreErrors, filter, collectN, collectAll", async () => {
    const cfg = await setup(3);
    const ctx = cfg.context({ timeoutMs: 5000 });
    const opts = { interceptors: [failNodes([2], Code.Internal)] };
    const okIDs: number[] = [];
    for await (const r of quorumCall(ctx, TestService.method.echoQC, { value: "a" }, opts).results().ignoreErrors()) {
      expect(r.error).toBeUndefined();
      okIDs.push(r.nodeID);
    }
    expect(okIDs.sort()).toEqual([1, 3]);

    const only3: NodeResponse<Response>[] = [];
    for await (const r of quorumCall(ctx, TestService.method.echoQC, { value: "a" }).results().filter((r) => r.nodeID === 3)) {
      only3.push(r);
    }
    expect(only3.map((r) => [r.nodeID, r.value?.num])).toEqual([[3, 3n]]);

    const two = await quorumCall(ctx, TestService.method.echoQC, { value: "a" }).results().collectN(2);
    expect(two.size).toBe(2);
    const all = await quorumCall(ctx, TestService.method.echoQC, { value: "a" }).results().collectAll();
    expect([...all.keys()].sort()).toEqual([1, 2, 3]);
    expect([...all.values()].map((r) => r.value)).toEqual(["echo: a", "echo: a", "echo: a"]);
    const withError = await quorumCall(ctx, TestService.method.echoQC, { value: "a" }, opts).results().collectAll();
    expect([...withError.keys()].sort()).toEqual([1, 3]);
  });

  it("custom aggregation: the sum of the replies' num over 3 servers is 6", async () => {
    const cfg = await setup(3);
    let sum = 0n;
    for await (const r of quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "s" }).results().ignoreErrors()) {
      sum += r.value?.num ?? 0n;
    }
    expect(sum).toBe(6n);
  });

  it("breaking out of results() ends the call: the node still silent is forgotten", async () => {
    const cfg = await setup(3);
    servers[2]!.state.delayMs = 5000;
    let seen = 0;
    for await (const r of quorumCall(cfg.context(), TestService.method.echoQC, { value: "b" }).results()) {
      expect(r.error).toBeUndefined();
      if (++seen === 2) {
        break;
      }
    }
    expect(seen).toBe(2);
    expect(cfg.node(3)?.pendingCount).toBe(0);
  });

  it("two terminals awaited together on one Responses both see every reply", async () => {
    const cfg = await setup(3);
    servers[2]!.state.delayMs = 200; // node 3 answers well after the majority
    const responses = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "two" });
    const [m, a, sum] = await Promise.all([
      responses.majority(),
      responses.all(),
      (async () => {
        let s = 0n;
        for await (const r of responses.results().ignoreErrors()) {
          s += r.value?.num ?? 0n;
        }
        return s;
      })(),
    ]);
    expect(m.value).toBe("echo: two");
    expect(a.value).toBe("echo: two");
    expect(sum).toBe(6n);
    // One call: each server got the request once.
    expect(servers.map((s) => s.state.nums.length)).toEqual([1, 1, 1]);
  });

  it("a terminal after another replays the replies the call got", async () => {
    const cfg = await setup(3);
    const responses = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "seq" });
    const all = await responses.all();
    expect(await responses.first()).toEqual(all);
    expect(await responses.majority()).toEqual(all);
    expect((await responses.results().collectAll()).size).toBe(3);
    expect(servers.map((s) => s.state.nums.length)).toEqual([1, 1, 1]);
  });

  it("a request that cannot be encoded: every terminal rejects with the encoding error (none throws), nothing is sent", async () => {
    const cfg = await setup(3);
    // int64 out of range: protobuf-es refuses to encode it.
    const bad = quorumCall(cfg.context({ timeoutMs: 60_000 }), TestService.method.echoQC, { value: "x", num: 1n << 64n });
    let first: Promise<unknown> | undefined;
    expect(() => {
      first = bad.first();
    }).not.toThrow();
    await expect(first).rejects.toThrow(/invalid int64|cannot encode/);
    // A second terminal on the same call rejects the same at once (not at the deadline).
    const t0 = Date.now();
    await expect(bad.majority()).rejects.toThrow(/invalid int64|cannot encode/);
    await expect(bad.results().collectAll()).rejects.toThrow(/invalid int64|cannot encode/);
    expect(Date.now() - t0).toBeLessThan(5000);
    await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "after", num: 7n }).all();
    expect(servers.map((s) => s.state.nums)).toEqual([[7n], [7n], [7n]]);
  });

  it("100 sequential quorum calls reach 4 servers in order", async () => {
    const cfg = await setup(4);
    const ctx = cfg.context({ timeoutMs: 10_000 });
    for (let i = 1; i <= 100; i++) {
      const replies = await quorumCall(ctx, TestService.method.echoQC, { value: "o", num: BigInt(i) }).results().collectAll();
      expect(replies.size).toBe(4);
    }
    const want = Array.from({ length: 100 }, (_, i) => BigInt(i + 1));
    for (const s of servers) {
      expect(s.state.nums).toEqual(want);
    }
  });

  it("quorum calls started without awaiting reach every server in start order", async () => {
    const cfg = await setup(4);
    const ctx = cfg.context({ timeoutMs: 10_000 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => quorumCall(ctx, TestService.method.echoQC, { value: "o", num: BigInt(i + 1) }).majority()));
    // Majority may return before the 4th server answered; a final all() call flushes every stream.
    await quorumCall(ctx, TestService.method.echoQC, { value: "o", num: 101n }).all();
    const want = Array.from({ length: 101 }, (_, i) => BigInt(i + 1));
    for (const s of servers) {
      expect(s.state.nums).toEqual(want);
    }
  });

  it("alternating quorum calls and per-node rpcs reach every server in order", async () => {
    const cfg = await setup(4);
    const ctx = cfg.context({ timeoutMs: 10_000 });
    for (let i = 1; i <= 60; i++) {
      if (i % 2 === 1) {
        await quorumCall(ctx, TestService.method.echoQC, { value: "qc", num: BigInt(i) }).majority();
      } else {
        await Promise.all(cfg.nodes().map((n) => rpcCall(n.context({ timeoutMs: 10_000 }), TestService.method.echoRPC, { value: "rpc", num: BigInt(i) })));
      }
    }
    await quorumCall(ctx, TestService.method.echoQC, { value: "flush", num: 61n }).all();
    const want = Array.from({ length: 61 }, (_, i) => BigInt(i + 1));
    for (const s of servers) {
      expect(s.state.nums).toEqual(want);
    }
  });

  it("two quorum calls in flight on 5 nodes resolve to their own values", async () => {
    const cfg = await setup(5);
    const ctx = cfg.context({ timeoutMs: 5000 });
    const a = quorumCall(ctx, TestService.method.echoQC, { value: "a" }).majority();
    const b = quorumCall(ctx, TestService.method.echoQC, { value: "b" }).majority();
    expect((await b).value).toBe("echo: b");
    expect((await a).value).toBe("echo: a");
  });

  it("with a deadline and one slow node the majority still succeeds", async () => {
    const cfg = await setup(3);
    servers[0]!.state.delayMs = 5000;
    expect((await quorumCall(cfg.context({ timeoutMs: 2000 }), TestService.method.echoQC, { value: "d" }).majority()).value).toBe("echo: d");
    const err = await expectQuorumError(quorumCall(cfg.context({ timeoutMs: 1000 }), TestService.method.echoQC, { value: "d" }).all(), ErrIncomplete);
    expect(err.nodeErrors.map((e) => [e.nodeID, (e.error as ConnectError).code])).toEqual([[1, Code.DeadlineExceeded]]);
  });

  it("with every node slower than the deadline: ErrIncomplete whose node errors are DeadlineExceeded", async () => {
    const cfg = await setup(3);
    for (const s of servers) {
      s.state.delayMs = 5000;
    }
    const err = await expectQuorumError(quorumCall(cfg.context({ timeoutMs: 100 }), TestService.method.echoQC, { value: "d" }).majority(), ErrIncomplete);
    // It fails once a majority can no longer succeed: 2 DeadlineExceeded, the third node not waited for.
    expect(err.nodeErrors.length).toBeGreaterThanOrEqual(2);
    expect(err.nodeErrors.length + (err.counts?.notAnswered ?? 0)).toBe(3);
    for (const e of err.nodeErrors) {
      expect(e.error).toBeInstanceOf(ConnectError);
      expect((e.error as ConnectError).code).toBe(Code.DeadlineExceeded);
    }
  });

  it("an already-aborted signal: ErrIncomplete with Canceled node errors, nothing sent", async () => {
    const cfg = await setup(3);
    const ac = new AbortController();
    ac.abort();
    const err = await expectQuorumError(quorumCall(cfg.context({ signal: ac.signal }), TestService.method.echoQC, { value: "c" }).first(), ErrIncomplete);
    expect(err.nodeErrors.map((e) => (e.error as ConnectError).code)).toEqual([Code.Canceled, Code.Canceled, Code.Canceled]);
    await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "after", num: 9n }).all();
    expect(servers.map((s) => s.state.nums)).toEqual([[9n], [9n], [9n]]);
  });

  it("per-call metadata reaches every server", async () => {
    const seen: Array<string | null> = [];
    const record: ServerInterceptor = (ctx, req, next) => {
      seen.push(ctx.metadata.get("x-call"));
      return next(ctx, req);
    };
    const cfg = await setup(3, { interceptors: [record] });
    await quorumCall(cfg.context({ timeoutMs: 5000, metadata: { "x-call": "qc-1" } }), TestService.method.echoQC, { value: "m" }).all();
    expect(seen).toEqual(["qc-1", "qc-1", "qc-1"]);
  });

  it("a quorum call after config.close() fails: every node reports Unavailable \"node closed\"", async () => {
    const cfg = await setup(3);
    await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x" }).all();
    await cfg.close();
    const err = await expectQuorumError(quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x" }).first(), ErrIncomplete);
    expect(err.nodeErrors.length).toBe(3);
    for (const e of err.nodeErrors) {
      expect((e.error as ConnectError).code).toBe(Code.Unavailable);
      expect((e.error as ConnectError).rawMessage).toBe("node closed");
    }
  });
});
