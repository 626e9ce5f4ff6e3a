/**
 * Calls that share an AbortSignal share one "abort" listener (no
 * MaxListenersExceededWarning however many calls use an application's
 * signal): 100 calls in flight on one signal add one listener; it goes when
 * the last call ends; aborting ends every call still watching, once each.
 * The unit under it, onAbort(), is checked directly too.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { onAbort } from "../../src/calls/abort-watchers.js";
import { quorumCall } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer } from "../helpers/test-servers.js";
import { configOf } from "./util.js";

describe("onAbort", () => {
  it("one listener for many watchers; each runs once on abort; leaving removes the listener when the last goes", () => {
    const ac = new AbortController();
    const runs: number[] = [];
    const leave = Array.from({ length: 50 }, (_, i) => onAbort(ac.signal, () => runs.push(i)));
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    for (const l of leave.slice(0, 49)) {
      l();
    }
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    leave[49]!();
    leave[49]!(); // twice: harmless
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
    // Watching again after everyone left adds the listener again; abort runs each watcher once.
    onAbort(ac.signal, () => runs.push(100));
    onAbort(ac.signal, () => runs.push(101));
    ac.abort();
    ac.abort();
    expect(runs).toEqual([100, 101]);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });
});

describe("calls sharing a signal", () => {
  let servers: TestServer[] = [];

  it("100 quorum calls in flight on one signal add one abort listener, and aborting ends them all with Canceled", async () => {
    servers = await startTestServers(3);
    for (const s of servers) {
      s.state.delayMs = 10_000; // nobody answers before the abort
    }
    const config = configOf(servers);
    const ac = new AbortController();
    const calls = Array.from({ length: 100 }, (_, i) => quorumCall(config.context({ signal: ac.signal }), TestService.method.echoQC, { value: `v${i}` }).majority());
    await new Promise((r) => setTimeout(r, 50));
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    ac.abort();
    const results = await Promise.allSettled(calls);
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });
});
