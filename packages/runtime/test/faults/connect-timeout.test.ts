/**
 * The dialer's connect timeout (`ManagerOptions.connectTimeoutMs`, grpc-go's
 * minimum connect timeout by default): an attempt to an address that never
 * answers a SYN (a listener whose accept queue is full, in a stopped
 * process) fails with Unavailable after the timeout, on both protocols,
 * instead of waiting for the kernel's SYN retries; so does a connection to
 * a server that accepts and never sends its HTTP/2 SETTINGS (gRPC). A
 * failed attempt counts for the backoff: until the retry is due, calls fail
 * at once with its error, and a node kept connected dials again, spaced by
 * the backoff, and again times out.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it, onTestFinished } from "vitest";
import { newConfig, withNodeList } from "../../src/index.js";
import { echoRPC } from "../gen/testsvc/testsvc_gorums.js";
import { mutedListener, type SilentListener, unansweredSynListener } from "../helpers/silent-listener.js";
import { waitUntil } from "../helpers/wait.js";

const TIMEOUT_MS = 400;

async function listener(make: () => Promise<SilentListener>): Promise<SilentListener> {
  const l = await make();
  onTestFinished(() => l.stop());
  return l;
}

describe.each(["grpc", "connect"] as const)("connectTimeoutMs on the %s protocol", (protocol) => {
  it("fails a call to an address that never answers SYN after about the timeout, and the node reports it", { timeout: 20_000 }, async () => {
    const silent = await listener(unansweredSynListener);
    const config = newConfig(withNodeList([silent.addr]), { protocol, connectTimeoutMs: TIMEOUT_MS });
    onTestFinished(() => config.close());
    const node = config.nodes()[0]!;
    const t0 = performance.now();
    const err = await echoRPC(node.context({ timeoutMs: 15_000 }), { value: "x" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = performance.now() - t0;
    expect(err, "the call succeeded").toBeDefined();
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    // Far below the call's deadline and the kernel's SYN retries (1 s, 3 s, 7 s, …).
    expect(ms).toBeLessThan(TIMEOUT_MS + 5000);
    expect(node.lastError?.code).toBe(Code.Unavailable);
    expect(node.lastError?.rawMessage).toMatch(new RegExp(`connect timeout \\(${TIMEOUT_MS} ms\\)`));
  });
});

describe("connectTimeoutMs on the grpc protocol, against a server that accepts and says nothing", () => {
  it("tears the connection down when no HTTP/2 SETTINGS arrive in time", { timeout: 20_000 }, async () => {
    const muted = await listener(mutedListener);
    const config = newConfig(withNodeList([muted.addr]), { connectTimeoutMs: TIMEOUT_MS });
    onTestFinished(() => config.close());
    const node = config.nodes()[0]!;
    const t0 = performance.now();
    await expect(echoRPC(node.context({ timeoutMs: 15_000 }), { value: "x" })).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS + 5000);
    // The TCP handshake was made (the call is sent again once on a new connection, which times out too).
    expect(muted.accepted).toBeGreaterThanOrEqual(1);
    await waitUntil(() => node.lastError !== undefined, "the node's last error");
    expect(node.lastError?.code).toBe(Code.Unavailable);
    expect(node.lastError?.rawMessage).toMatch(/no HTTP\/2 SETTINGS from the node within the connect timeout/);
  });

  it("dials again after each timed-out attempt, spaced by the backoff, when kept connected", { timeout: 20_000 }, async () => {
    const muted = await listener(mutedListener);
    const config = newConfig(withNodeList([muted.addr]), { connectTimeoutMs: 200, keepConnected: true, backoff: { initialMs: 50, maxMs: 100 } });
    onTestFinished(() => config.close());
    await waitUntil(() => muted.accepted >= 3, "three connection attempts", 10_000);
    expect(config.nodes()[0]?.lastError?.rawMessage).toMatch(/connect timeout \(200 ms\)/);
  });

  it("counts a timed-out attempt for the backoff: until the retry is due, calls fail at once with its error", { timeout: 20_000 }, async () => {
    const muted = await listener(mutedListener);
    const config = newConfig(withNodeList([muted.addr]), { connectTimeoutMs: 200, backoff: { initialMs: 5000, maxMs: 5000, jitter: 0 } });
    onTestFinished(() => config.close());
    const node = config.nodes()[0]!;
    await expect(echoRPC(node.context({ timeoutMs: 15_000 }), { value: "first" })).rejects.toThrow();
    const attempts = muted.accepted;
    const t0 = performance.now();
    await expect(echoRPC(node.context({ timeoutMs: 15_000 }), { value: "second" })).rejects.toThrow(/connect timeout \(200 ms\)/);
    // At once, not after another 200 ms attempt (the count of connections below is the proof; the bound is loose for a loaded machine).
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(muted.accepted, "no new attempt before the backoff allows one").toBe(attempts);
  });

  it("waits as long as the default (20 s) without the option: no attempt is given up within a second", { timeout: 20_000 }, async () => {
    const muted = await listener(mutedListener);
    const config = newConfig(withNodeList([muted.addr]), { keepConnected: true, backoff: { initialMs: 50, maxMs: 100 } });
    onTestFinished(() => config.close());
    await waitUntil(() => muted.accepted === 1, "the first attempt");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(muted.accepted).toBe(1);
    expect(config.nodes()[0]?.lastError).toBeUndefined();
  });
});
