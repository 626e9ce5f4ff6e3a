/**
 * Client-side QuorumInterceptors against real test servers on 127.0.0.1
 * (Go behaviors 45, 46): pass-through, an error filter, logging + counting,
 * identity mapRequest with counting (count 3 for all()), mapResponse
 * rewriting values (errors untouched), the order interceptors wrap in, what
 * ClientCtx exposes (request, config, method, nodes, node(id), size), and
 * an interceptor that never reads `next` sending nothing (laziness).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  type ClientCtx,
  type Configuration,
  ErrIncomplete,
  mapRequest,
  mapResponse,
  type NodeResponse,
  type QuorumInterceptor,
  quorumCall,
  responseSeq,
  rpcCall,
} from "../../src/index.js";
import { type Request, type Response, TestService } from "../gen/testsvc/testsvc_pb.js";
import { type TestServer, testCluster } from "../helpers/test-servers.js";
import { expectCode, expectQuorumError } from "./util.js";

type I = QuorumInterceptor<Request, Response>;

/** Counts the replies that pass through it. */
function counting(counter: { n: number }): I {
  return (_ctx, next) =>
    responseSeq({
      async *[Symbol.asyncIterator]() {
        for await (const r of next) {
          counter.n++;
          yield r;
        }
      },
    });
}

/** Logs each reply as "<method> node <id>: ok|error". */
function logging(log: string[]): I {
  return (ctx, next) =>
    responseSeq({
      async *[Symbol.asyncIterator]() {
        for await (const r of next) {
          log.push(`${ctx.method} node ${r.nodeID}: ${r.error === undefined ? "ok" : "error"}`);
          yield r;
        }
      },
    });
}

/** The nodes in `ids` answer with FailedPrecondition. */
const failing = (ids: number[]): I => mapRequest((req, node) => (ids.includes(node.id) ? { ...req, value: `fail:${Code.FailedPrecondition}` } : req));

describe("client interceptors", () => {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;

  const setup = async (n: number) => {
    ({ servers, config } = await testCluster(n));
    return config.context({ timeoutMs: 5000 });
  };

  it("a pass-through interceptor leaves majority unchanged", async () => {
    const ctx = await setup(3);
    let called = 0;
    const passThrough: I = (_c, next) => {
      called++;
      return next;
    };
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "p" }, { interceptors: [passThrough] }).majority()).value).toBe("echo: p");
    expect(called).toBe(1);
  });

  it("a filter interceptor hides the failed replies: first succeeds, all is incomplete without node errors", async () => {
    const ctx = await setup(3);
    const onlyOK: I = (_c, next) => next.filter((r) => r.error === undefined);
    const opts = { interceptors: [failing([1]), onlyOK] };
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "f" }, opts).first()).value).toBe("echo: f");
    const err = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "f" }, opts).all(), ErrIncomplete);
    expect(err.nodeErrors).toEqual([]);
    // Without the filter the failure is visible.
    const seen = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "f" }, { interceptors: [failing([1])] }).all(), ErrIncomplete);
    expect(seen.nodeErrors.map((e) => e.nodeID)).toEqual([1]);
  });

  it("logging + counting: majority sees at least 2 replies, all exactly 3, each logged", async () => {
    const ctx = await setup(3);
    const counter = { n: 0 };
    const log: string[] = [];
    await quorumCall(ctx, TestService.method.echoQC, { value: "l" }, { interceptors: [logging(log), counting(counter)] }).majority();
    expect(counter.n).toBeGreaterThanOrEqual(2);
    expect(log.length).toBe(counter.n);
    expect(log[0]).toMatch(/^testsvc\.TestService\.EchoQC node [123]: ok$/);

    const counter2 = { n: 0 };
    await quorumCall(ctx, TestService.method.echoQC, { value: "l" }, { interceptors: [failing([2]), logging(log), counting(counter2)] }).results().collectAll();
    expect(counter2.n).toBe(3);
    expect(log).toContain("testsvc.TestService.EchoQC node 2: error");
  });

  it("identity mapRequest with counting: all() succeeds, count is 3", async () => {
    const ctx = await setup(3);
    const counter = { n: 0 };
    const seenNodes: number[] = [];
    const identity = mapRequest<Request, Response>((req, node) => {
      seenNodes.push(node.id);
      return req;
    });
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "id", num: 5n }, { interceptors: [identity, counting(counter)] }).all()).value).toBe("echo: id");
    expect(counter.n).toBe(3);
    expect(seenNodes.sort()).toEqual([1, 2, 3]);
    expect(servers.map((s) => s.state.nums)).toEqual([[5n], [5n], [5n]]);
  });

  it("mapRequest sends each node its own request in a quorum call", async () => {
    const ctx = await setup(3);
    const perNode = mapRequest<Request, Response>((req, node) => ({ ...req, value: `${req.value}${node.id}`, num: BigInt(node.id * 10) }));
    const replies = await quorumCall(ctx, TestService.method.echoQC, { value: "n" }, { interceptors: [perNode] }).results().collectAll();
    expect([...replies.entries()].sort(([a], [b]) => a - b).map(([id, r]) => [id, r.value])).toEqual([
      [1, "echo: n1"],
      [2, "echo: n2"],
      [3, "echo: n3"],
    ]);
    expect(servers.map((s) => s.state.nums)).toEqual([[10n], [20n], [30n]]);
  });

  it("mapRequest skipping a node: it neither succeeds nor fails; all() means every node the call was sent to", async () => {
    const ctx = await setup(3);
    const skip2 = mapRequest<Request, Response>((req, node) => (node.id === 2 ? undefined : req));
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "k" }, { interceptors: [skip2] }).threshold(2)).value).toBe("echo: k");
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "k" }, { interceptors: [skip2] }).all()).value).toBe("echo: k");
    expect(servers.map((s) => s.state.nums.length)).toEqual([2, 0, 2]);
    // threshold(3) cannot be reached with a node skipped: it fails at once (and ends the call).
    const err = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "k" }, { interceptors: [skip2] }).threshold(3), ErrIncomplete);
    expect(err.nodeErrors).toEqual([]);
    expect(err.message).toBe("quorum call error: incomplete call (0 of 3 needed succeeded, 0 failed, 1 skipped, 2 not answered)");
  });

  it("mapResponse rewrites successful values and leaves errors alone", async () => {
    const ctx = await setup(3);
    const upper = mapResponse<Request, Response>((resp, node) => ({ ...resp, value: `${resp.value.toUpperCase()}@${node.id}` }));
    const got: NodeResponse<Response>[] = [];
    for await (const r of quorumCall(ctx, TestService.method.echoQC, { value: "m" }, { interceptors: [failing([3]), upper] }).results()) {
      got.push(r);
    }
    got.sort((a, b) => a.nodeID - b.nodeID);
    expect(got.slice(0, 2).map((r) => r.value?.value)).toEqual(["ECHO: M@1", "ECHO: M@2"]);
    expect(got[2]?.value).toBeUndefined();
    expect((got[2]?.error as ConnectError).code).toBe(Code.FailedPrecondition);
  });

  it("interceptors wrap in order: the later one sees what the earlier one produced", async () => {
    const ctx = await setup(3);
    const tag = (t: string) => mapResponse<Request, Response>((resp) => ({ ...resp, value: resp.value + t }));
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "x" }, { interceptors: [tag("-a"), tag("-b")] }).all()).value).toBe("echo: x-a-b");
    const seen: string[] = [];
    const peek: I = (_c, next) =>
      responseSeq({
        async *[Symbol.asyncIterator]() {
          for await (const r of next) {
            seen.push(r.value?.value ?? "");
            yield r;
          }
        },
      });
    await quorumCall(ctx, TestService.method.echoQC, { value: "y" }, { interceptors: [tag("-a"), peek, tag("-b")] }).first();
    expect(seen[0]).toBe("echo: y-a");
  });

  it("interceptors apply to rpcCall too", async () => {
    await setup(1);
    const node = config!.node(1)!;
    const got = await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "r" }, { interceptors: [mapResponse((resp) => ({ ...resp, value: `${resp.value}!` }))] });
    expect(got.value).toBe("echo: r!");
    await expectCode(rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "r" }, { interceptors: [failing([1])] }), Code.FailedPrecondition);
  });

  it("ClientCtx exposes the request, configuration, method, nodes, node(id) and size", async () => {
    const ctx = await setup(3);
    let captured: ClientCtx<Request, Response> | undefined;
    const capture: I = (c, next) => {
      captured = c;
      return next;
    };
    await quorumCall(ctx, TestService.method.echoQC, { value: "ctx", num: 42n }, { interceptors: [capture] }).all();
    expect(captured).toBeDefined();
    const c = captured as ClientCtx<Request, Response>;
    expect(c.request.value).toBe("ctx");
    expect(c.request.num).toBe(42n);
    expect(c.request.$typeName).toBe("testsvc.Request");
    expect(c.config).toBe(config);
    expect(c.method).toBe("testsvc.TestService.EchoQC");
    expect(c.nodes().map((n) => n.id)).toEqual([1, 2, 3]);
    expect(c.node(2)?.address).toBe(config!.node(2)?.address);
    expect(c.node(4)).toBeUndefined();
    expect(c.size).toBe(3);
  });

  it("an interceptor that never reads `next` answers alone and nothing is sent", async () => {
    const ctx = await setup(3);
    const cached: I = (c) =>
      responseSeq({
        async *[Symbol.asyncIterator]() {
          for (const node of c.nodes()) {
            yield { nodeID: node.id, value: { $typeName: "testsvc.Response", value: "cached", num: 0n } as Response };
          }
        },
      });
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "c" }, { interceptors: [cached] }).all()).value).toBe("cached");
    expect(servers.map((s) => s.state.nums.length)).toEqual([0, 0, 0]);
  });

  it("an interceptor that throws rejects the terminal with its error", async () => {
    const ctx = await setup(3);
    const boom = new Error("interceptor failed");
    const throwing: I = (_c, next) =>
      responseSeq({
        async *[Symbol.asyncIterator]() {
          for await (const r of next) {
            yield r;
            throw boom;
          }
        },
      });
    await expect(quorumCall(ctx, TestService.method.echoQC, { value: "t" }, { interceptors: [throwing] }).all()).rejects.toBe(boom);
    // The call was ended: nothing stays pending.
    for (const node of config!) {
      expect(node.pendingCount).toBe(0);
    }
  });
});
