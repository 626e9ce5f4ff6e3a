/**
 * Resource hygiene under random cancellation (issue 7 item 3): a seeded mix
 * of every call type (call-mix.ts) — GORUMS_HYGIENE_CALLS calls, 20 000 by
 * default, 100 000 for the full run — with a good share aborted before,
 * during or after sending, or given 1–4 ms deadlines, against real servers
 * on 127.0.0.1 (one of them slower, so that cancellations catch calls in
 * flight). Afterwards, at once: no node of the configuration has a pending
 * call, and the signal shared by all the undisturbed calls has no abort
 * listener left; and the process's active timers go back to what they were
 * before the run. Every undisturbed call succeeded. The same for calls over
 * a System's inboundConfig (peer links and the in-process self node).
 * (Go keeps a canceled two-way call's router entry until a late reply or a
 * stream failure; this runtime drops it at once, and that is what is
 * asserted. A streaming call cut short ends incomplete, as Go behavior 25.)
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { newLocalSystems, quorumCall } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { cleanup, configOf, startServersWith } from "../helpers/test-servers.js";
import { waitUntil } from "../helpers/wait.js";
import { activeTimers, registerMixService, runCallMix } from "./call-mix.js";

/** 20 000 by default; GORUMS_HYGIENE_CALLS=100000 for the full run. */
const CALLS = Number(process.env.GORUMS_HYGIENE_CALLS ?? 20_000);
/** Generous: the full run on a busy machine. */
const TIMEOUT_MS = Math.max(60_000, CALLS * 3);

describe("resource hygiene under random cancellation", () => {
  it(`${CALLS} calls to 3 servers leave no pending calls, timers or abort listeners`, { timeout: TIMEOUT_MS }, async () => {
    const servers = await startServersWith(3, (server, _state, id) => registerMixService(server, id, id === 3 ? 2 : 0));
    const config = configOf(servers);
    // Connect every node before measuring the baseline.
    await quorumCall(config.context({ timeoutMs: 10_000 }), TestService.method.echoQC, { value: "warm-up" }).all();
    const baseline = activeTimers();
    const shared = new AbortController().signal;

    const result = await runCallMix(config, { calls: CALLS, concurrency: 64, seed: 7, shared });

    expect(result.unexpected.slice(0, 5)).toEqual([]);
    expect(result.ok + result.canceled + result.deadline).toBe(CALLS);
    // The mix did cancel calls both ways, and most undisturbed calls are many.
    expect(result.canceled).toBeGreaterThan(CALLS / 10);
    expect(result.deadline).toBeGreaterThan(0);
    expect(result.undisturbed).toBeGreaterThan(CALLS / 3);
    expect(config.nodes().map((n) => n.pendingCount)).toEqual([0, 0, 0]);
    expect(getEventListeners(shared, "abort")).toHaveLength(0);
    // Timers: the calls' deadlines are cleared at once; the slow server's handler timers end within ms.
    await waitUntil(() => activeTimers() <= baseline, `active timers back to ${baseline} (now ${activeTimers()})`, 5000);
  });

  it(`${Math.ceil(CALLS / 4)} calls over a System's inboundConfig leave no pending calls, timers or abort listeners`, { timeout: TIMEOUT_MS }, async () => {
    const { systems, stop } = await newLocalSystems(3);
    cleanup(stop);
    for (const s of systems) {
      registerMixService(s.server, s.myID, s.myID === 3 ? 2 : 0);
    }
    const sys = systems[0];
    if (sys === undefined) {
      throw new Error("no system");
    }
    await sys.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(10_000) });
    const config = sys.inboundConfig();
    await quorumCall(config.context({ timeoutMs: 10_000 }), TestService.method.echoQC, { value: "warm-up" }).all();
    const baseline = activeTimers();
    const shared = new AbortController().signal;

    const result = await runCallMix(config, { calls: Math.ceil(CALLS / 4), concurrency: 64, seed: 11, shared });

    expect(result.unexpected.slice(0, 5)).toEqual([]);
    expect(result.canceled).toBeGreaterThan(0);
    expect(result.deadline).toBeGreaterThan(0);
    for (const s of systems) {
      expect(s.inboundConfig().nodes().map((n) => n.pendingCount)).toEqual([0, 0, 0]);
    }
    expect(getEventListeners(shared, "abort")).toHaveLength(0);
    await waitUntil(() => activeTimers() <= baseline, `active timers back to ${baseline} (now ${activeTimers()})`, 5000);
  });
});
