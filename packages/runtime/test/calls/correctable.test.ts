/**
 * Correctable and quorumCallStream against real test servers on 127.0.0.1:
 * correctable(n) on a plain quorum call (Go behavior 22) and on a streaming
 * one whose servers each send `state.streamReplies` replies (23, 24): watch
 * levels, watch(1) then watch(3), the level counting every reply, `done`; a
 * threshold that cannot be reached → get().error is
 * QuorumCallError(ErrIncomplete) and watching a higher level rejects (25);
 * streaming results() ending when the signal aborts (18, 25); a correctable
 * and a terminal on one call not cutting each other short.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type Configuration, ErrIncomplete, LevelNotSet, type NodeResponse, QuorumCallError, quorumCall, quorumCallStream } from "../../src/index.js";
import { type Response, TestService } from "../gen/testsvc/testsvc_pb.js";
import { stopAll, type TestServer, testCluster } from "../helpers/test-servers.js";
import { rejection } from "./util.js";
import { waitUntil } from "../helpers/wait.js";

describe("correctable", () => {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;

  const setup = async (n: number) => {
    ({ servers, config } = await testCluster(n));
    return config;
  };

  it("on a plain quorum call: watch(2) resolves with level ≥ 2 and the echo", async () => {
    const cfg = await setup(3);
    const c = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "test" }).correctable(2);
    await c.watch(2);
    const got = c.get();
    expect(got.level).toBeGreaterThanOrEqual(2);
    expect(got.value?.value).toBe("echo: test");
    expect(got.error).toBeUndefined();
    await c.done;
    expect(c.get().error).toBeUndefined();
  });

  it("on a plain quorum call with threshold n = size: done at level 3", async () => {
    const cfg = await setup(3);
    const c = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "all" }).correctable(3);
    await c.done;
    expect(c.get()).toMatchObject({ level: 3, value: { value: "echo: all" } });
    expect(c.get().error).toBeUndefined();
    // A level already reached resolves at once, also after done.
    await c.watch(1);
    await c.watch(3);
  });

  for (const t of [1, 2, 3]) {
    it(`on quorumCallStream, correctable(${t}): watch(${t}) resolves, level ≥ ${t}, value set`, async () => {
      const cfg = await setup(3);
      const c = quorumCallStream(cfg.context({ timeoutMs: 5000 }), TestService.method.echoStream, { value: "s" }).correctable(t);
      await c.watch(t);
      const got = c.get();
      expect(got.level).toBeGreaterThanOrEqual(t);
      expect(got.value?.value).toMatch(/^echo: s-[123]$/);
      await c.done;
      expect(c.get().error).toBeUndefined();
    });
  }

  it("on quorumCallStream: watch(1) then watch(3) both resolve", async () => {
    const cfg = await setup(3);
    const c = quorumCallStream(cfg.context({ timeoutMs: 5000 }), TestService.method.echoStream, { value: "w" }).correctable(3);
    const w1 = c.watch(1);
    const w3 = c.watch(3);
    await w1;
    expect(c.get().level).toBeGreaterThanOrEqual(1);
    await w3;
    expect(c.get().level).toBeGreaterThanOrEqual(3);
    await c.done;
  });

  it("on quorumCallStream the level counts every reply of every node: 3 servers × 3 replies reach 9", async () => {
    const cfg = await setup(3);
    const c = quorumCallStream(cfg.context({ timeoutMs: 5000 }), TestService.method.echoStream, { value: "lvl" }).correctable(9);
    expect(c.get().level).toBe(LevelNotSet);
    await c.done;
    const got = c.get();
    expect(got.level).toBe(9);
    expect(got.error).toBeUndefined();
    expect(got.value?.value).toMatch(/^echo: lvl-[123]$/);
    // The call ended: no streaming call stays registered at any node.
    for (const node of cfg) {
      expect(node.pendingCount).toBe(0);
    }
  });

  it("4 servers sending 4 replies each: correctable(16) is done at level 16", async () => {
    const cfg = await setup(4);
    for (const s of servers) {
      s.state.streamReplies = 4;
    }
    const c = quorumCallStream(cfg.context({ timeoutMs: 5000 }), TestService.method.echoStream, { value: "four" }).correctable(16);
    await c.done;
    expect(c.get().level).toBe(16);
    expect(c.get().error).toBeUndefined();
  });

  it("a plain call that cannot reach the threshold: get().error is ErrIncomplete, watch above the level rejects", async () => {
    const cfg = await setup(3);
    await servers[0]!.server.stop();
    const c = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "short" }).correctable(3);
    const pending = c.watch(3);
    await c.done;
    const got = c.get();
    expect(got.level).toBe(2);
    expect(got.value?.value).toBe("echo: short");
    expect(got.error).toBeInstanceOf(QuorumCallError);
    const err = got.error as QuorumCallError;
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.nodeErrors.map((e) => [e.nodeID, (e.error as ConnectError).code])).toEqual([[1, Code.Unavailable]]);
    // Watchers registered before and after the end reject; reached levels resolve.
    expect(await rejection(pending)).toBeInstanceOf(QuorumCallError);
    const later = (await rejection(c.watch(3))) as QuorumCallError;
    expect(later.cause).toBe(ErrIncomplete);
    await c.watch(2);
  });

  it("a streaming call that cannot reach the threshold ends at the deadline with ErrIncomplete", async () => {
    const cfg = await setup(3);
    const c = quorumCallStream(cfg.context({ timeoutMs: 1500 }), TestService.method.echoStream, { value: "x" }).correctable(10);
    const w = c.watch(10);
    await c.done;
    const got = c.get();
    expect(got.level).toBe(9);
    expect(got.error).toBeInstanceOf(QuorumCallError);
    expect((got.error as QuorumCallError).cause).toBe(ErrIncomplete);
    expect(await rejection(w)).toBeInstanceOf(QuorumCallError);
    for (const node of cfg) {
      expect(node.pendingCount).toBe(0);
    }
  });

  it("no successful reply at all: level stays LevelNotSet, no value", async () => {
    const cfg = await setup(2);
    await stopAll(servers);
    const c = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "none" }).correctable(1);
    await c.done;
    const got = c.get();
    expect(got.level).toBe(LevelNotSet);
    expect(got.value).toBeUndefined();
    expect((got.error as QuorumCallError).nodeErrors.length).toBe(2);
  });

  it("quorumCallStream results() yield every reply and end when the signal aborts", async () => {
    const cfg = await setup(3);
    const ac = new AbortController();
    const got: NodeResponse<Response>[] = [];
    for await (const r of quorumCallStream(cfg.context({ signal: ac.signal }), TestService.method.echoStream, { value: "r" }).results()) {
      got.push(r);
      if (got.length === 9) {
        ac.abort();
      }
    }
    expect(got.length).toBe(9);
    expect(got.every((r) => r.error === undefined)).toBe(true);
    for (const id of [1, 2, 3]) {
      expect(
        got
          .filter((r) => r.nodeID === id)
          .map((r) => r.value?.value)
          .sort(),
      ).toEqual(["echo: r-1", "echo: r-2", "echo: r-3"]);
    }
    for (const node of cfg) {
      expect(node.pendingCount).toBe(0);
    }
  });

  it("quorumCallStream results() stop at the abort even while replies are still due", async () => {
    const cfg = await setup(3);
    for (const s of servers) {
      s.state.streamReplies = 1000;
    }
    const ac = new AbortController();
    let n = 0;
    for await (const r of quorumCallStream(cfg.context({ signal: ac.signal }), TestService.method.echoStream, { value: "long" }).results()) {
      expect(r.error).toBeUndefined();
      if (++n === 5) {
        ac.abort();
      }
    }
    // Replies that were buffered before the abort may still be read; nothing after.
    expect(n).toBeGreaterThanOrEqual(5);
    expect(n).toBeLessThan(100);
    await waitUntil(() => cfg.nodes().every((node) => node.pendingCount === 0), "no pending calls", 5000);
  });

  it("a correctable and a terminal on one call do not cut each other short", async () => {
    const cfg = await setup(3);
    servers[2]!.state.delayMs = 200;
    const responses = quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "both" });
    const c = responses.correctable(3);
    expect((await responses.first()).value).toBe("echo: both");
    await c.done;
    expect(c.get().level).toBe(3);
    expect(c.get().error).toBeUndefined();
  });
});
