/**
 * Call limits leave nothing behind: watchCallLimits (unit, fake timers)
 * clears its deadline timer and removes its abort listener on dispose, on
 * the deadline and on abort; reports Canceled / DeadlineExceeded (Go
 * behaviors 3, 32); and, against real servers on 127.0.0.1, many finished
 * calls of every kind sharing one signal and a long timeoutMs leave no abort
 * listeners and no pending timers.
 */
import { getEventListeners } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { watchCallLimits } from "../../src/calls/call-lifetime.js";
import { type Configuration, multicastCall, quorumCall, quorumCallStream, rpcCall, unicastCall } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer, testCluster } from "../helpers/test-servers.js";
import { configOf } from "./util.js";
import { waitUntil } from "../helpers/wait.js";

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("watchCallLimits", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("no signal, no timeout: no timer, nothing reported", () => {
    vi.useFakeTimers();
    const onEnd = vi.fn();
    const w = watchCallLimits({}, onEnd);
    expect(w.aborted).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    w.dispose();
    expect(onEnd).not.toHaveBeenCalled();
  });

  it("dispose clears the deadline timer and the abort listener", () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const onEnd = vi.fn();
    const w = watchCallLimits({ signal: ac.signal, timeoutMs: 1000 }, onEnd);
    expect(vi.getTimerCount()).toBe(1);
    expect(abortListeners(ac.signal)).toBe(1);
    w.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
    vi.advanceTimersByTime(5000);
    ac.abort();
    expect(onEnd).not.toHaveBeenCalled();
    w.dispose(); // idempotent
  });

  it("the deadline reports DeadlineExceeded once and removes the abort listener", () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const onEnd = vi.fn();
    watchCallLimits({ signal: ac.signal, timeoutMs: 1000 }, onEnd);
    vi.advanceTimersByTime(999);
    expect(onEnd).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onEnd).toHaveBeenCalledTimes(1);
    const err = onEnd.mock.calls[0]?.[0] as ConnectError;
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(abortListeners(ac.signal)).toBe(0);
    ac.abort();
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it("an abort reports Canceled once and clears the timer", () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const onEnd = vi.fn();
    watchCallLimits({ signal: ac.signal, timeoutMs: 1000 }, onEnd);
    ac.abort();
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect((onEnd.mock.calls[0]?.[0] as ConnectError).code).toBe(Code.Canceled);
    expect(vi.getTimerCount()).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it("an already-aborted signal is reported at once, without timer or listener", () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    ac.abort();
    const onEnd = vi.fn();
    const w = watchCallLimits({ signal: ac.signal, timeoutMs: 1000 }, onEnd);
    expect(w.aborted?.code).toBe(Code.Canceled);
    expect(vi.getTimerCount()).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
    expect(onEnd).not.toHaveBeenCalled();
  });

  it("the abort reason decides the code: a ConnectError passes through, a TimeoutError is DeadlineExceeded", () => {
    const reason = new ConnectError("mine", Code.ResourceExhausted);
    const ac = new AbortController();
    ac.abort(reason);
    expect(watchCallLimits({ signal: ac.signal }, () => {}).aborted).toBe(reason);
    const timeout = new AbortController();
    timeout.abort(new DOMException("timed out", "TimeoutError"));
    expect(watchCallLimits({ signal: timeout.signal }, () => {}).aborted?.code).toBe(Code.DeadlineExceeded);
  });
});

describe("finished calls leave no timers or listeners", () => {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;

  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

  it("200 calls of every kind with one signal and timeoutMs 60 s", async () => {
    ({ servers, config } = await testCluster(3));
    const ac = new AbortController();
    const opts = { signal: ac.signal, timeoutMs: 60_000 };
    const ctx = config.context(opts);
    const node = config.node(1)!;
    // Warm up the connections, then measure.
    await quorumCall(ctx, TestService.method.echoQC, { value: "warm" }).all();
    const before = timers();
    for (let i = 0; i < 40; i++) {
      await rpcCall(node.context(opts), TestService.method.echoRPC, { value: "r" });
      await unicastCall(node.context(opts), TestService.method.writeUnicast, { value: "u" });
      await multicastCall(ctx, TestService.method.write, { value: "m" });
      await multicastCall(ctx, TestService.method.write, { value: "m" }, { ignoreErrors: true });
      // Terminals that stop early and ones that read everything.
      await quorumCall(ctx, TestService.method.echoQC, { value: "f" }).first();
      await quorumCall(ctx, TestService.method.echoQC, { value: "a" }).results().collectAll();
      await quorumCallStream(ctx, TestService.method.echoStream, { value: "s" }).correctable(2).done;
      // Never consumed: never started.
      quorumCall(ctx, TestService.method.echoQC, { value: "lazy" });
    }
    await waitUntil(() => config!.nodes().every((n) => n.pendingCount === 0), "no pending calls", 10_000);
    expect(abortListeners(ac.signal)).toBe(0);
    // 280 calls each armed a 60 s timer; none may survive its call. Allow a
    // little slack for unrelated timers (sockets), and let the servers'
    // streaming handlers still running (with their own deadline timers) end.
    await waitUntil(() => timers() - before < 20, "the calls' timers gone", 5_000);
  });

  it("calls ended by their deadline leave no listener on the shared signal", async () => {
    servers = await startTestServers(1);
    servers[0]!.state.delayMs = 60_000;
    config = configOf(servers);
    const ac = new AbortController();
    const ctx = config.node(1)!.context({ signal: ac.signal, timeoutMs: 10 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => rpcCall(ctx, TestService.method.echoRPC, { value: "slow" })));
    expect(results.every((r) => r.status === "rejected" && (r.reason as ConnectError).code === Code.DeadlineExceeded)).toBe(true);
    expect(abortListeners(ac.signal)).toBe(0);
    expect(config.node(1)!.pendingCount).toBe(0);
  });
});
