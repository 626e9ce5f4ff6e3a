/**
 * Crash faults against real server processes on 127.0.0.1 (issue 7 item 1;
 * Go behaviors 13, 33, 64, 68: a quorum call completes once a quorum
 * answered and other nodes' failures do not fail it; calls with a deadline
 * to an unresponsive server return on time; a failed node's channel
 * re-sends pending unary calls, reconnects with backoff and is used again).
 *
 * - kill -9 one of 5 servers in the middle of many majority quorum calls: no
 *   call fails, the calls in flight to the dead node resolve (through the
 *   others), and a server restarted on the same port is reconnected and
 *   answers again within 2 s (results().collectAll includes its ID).
 * - SIGSTOP a server (socket open, no answers): calls with timeoutMs fail
 *   with DeadlineExceeded on time, calls that need only the others go on;
 *   after SIGCONT it answers again on the same connection.
 *
 * GORUMS_FAULT_CALLS sets the number of quorum calls (default 2,000; the
 * issue's local setting is 10,000).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { withNodeList } from "../../src/index.js";
import { echoQC, echoRPC } from "../gen/testsvc/testsvc_gorums.js";
import { startChildServer, startChildServers } from "../helpers/child-server.js";
import { testConfig } from "../helpers/test-servers.js";
import { sleep } from "../helpers/wait.js";

const CALLS = Number(process.env.GORUMS_FAULT_CALLS ?? 2000);
/** Quorum calls in flight at once. */
const IN_FLIGHT = 32;

describe("server process crashes (kill -9) and restarts", () => {
  it(`${CALLS} majority quorum calls over 5 processes survive kill -9 of one; the restarted process is used again within 2 s`, { timeout: 120_000 }, async () => {
    const procs = await startChildServers(5);
    const config = testConfig(withNodeList(procs.map((p) => p.addr)));
    expect(config.nodeIDs()).toEqual([1, 2, 3, 4, 5]);
    const victimIndex = 2; // node 3
    const victim = config.node(3)!;
    const port = procs[victimIndex]!.port;

    const failures: unknown[] = [];
    let started = 0;
    let done = 0;
    let pendingAtKill = -1;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      while (started < CALLS) {
        const i = started++;
        if (i === Math.floor(CALLS / 4) && killed === undefined) {
          // In the middle of the load: calls to node 3 are in flight now.
          pendingAtKill = victim.pendingCount;
          const p = procs[victimIndex]!;
          p.child.kill("SIGKILL");
          killed = p.exited.then(() => undefined);
        }
        try {
          const reply = await echoQC(config.context({ timeoutMs: 30_000 }), { value: `c${i}` }).majority();
          if (reply.value !== `echo: c${i}`) {
            failures.push(new Error(`call ${i}: wrong reply ${reply.value}`));
          }
        } catch (err) {
          failures.push(err);
        }
        done++;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    expect(failures).toEqual([]);
    expect(done).toBe(CALLS);
    expect(killed).toBeDefined();
    expect(await procs[victimIndex]!.exited).toEqual({ code: null, signal: "SIGKILL" });
    // Calls were in flight to node 3 when it died; every one of them resolved
    // (the quorum calls above all returned), and none is left pending.
    expect(pendingAtKill).toBeGreaterThan(0);
    expect(victim.pendingCount).toBe(0);
    // The dead node is reported as failed.
    const down = await echoQC(config.context({ timeoutMs: 10_000 }), { value: "down" }).results().collectAll();
    expect([...down.keys()].sort()).toEqual([1, 2, 4, 5]);
    expect(victim.lastError).toBeInstanceOf(ConnectError);

    // Restart on the same port: reconnected and answering within 2 s.
    procs[victimIndex] = await startChildServer({ port, id: 3 });
    const restarted = performance.now();
    let seen: Map<number, { num: bigint }> = new Map();
    while (performance.now() - restarted < 5000) {
      seen = await echoQC(config.context({ timeoutMs: 2000 }), { value: "back" }).results().collectAll();
      if (seen.has(3)) {
        break;
      }
      await sleep(20);
    }
    const elapsed = performance.now() - restarted;
    expect([...seen.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(seen.get(3)?.num).toBe(3n);
    expect(elapsed).toBeLessThan(2000);
    // And it serves ordinary calls on the new stream.
    expect((await echoRPC(victim.context({ timeoutMs: 5000 }), { value: "again" })).value).toBe("echo: again");
  });
});

describe("a stopped server process (SIGSTOP: connection open, no answers)", () => {
  it("calls to it fail with DeadlineExceeded on time; quorum calls via the others go on; after SIGCONT it answers again", { timeout: 60_000 }, async () => {
    const procs = await startChildServers(5);
    const config = testConfig(withNodeList(procs.map((p) => p.addr)));
    // All five connected and answering.
    expect((await echoQC(config.context({ timeoutMs: 10_000 }), { value: "warm" }).all()).value).toBe("echo: warm");
    const frozen = procs[1]!; // node 2
    const node2 = config.node(2)!;
    frozen.child.kill("SIGSTOP");
    try {
      // An rpc to the stopped node: DeadlineExceeded after ~timeoutMs.
      for (const timeoutMs of [300, 800]) {
        const t0 = performance.now();
        const err = await echoRPC(node2.context({ timeoutMs }), { value: "frozen" }).then(
          () => undefined,
          (e: unknown) => e,
        );
        const elapsed = performance.now() - t0;
        expect(err).toBeInstanceOf(ConnectError);
        expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
        expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 20);
        expect(elapsed).toBeLessThan(timeoutMs + 3000);
      }
      // A quorum call that needs all five times out too, naming node 2.
      const t0 = performance.now();
      const allErr = await echoQC(config.context({ timeoutMs: 500 }), { value: "all" })
        .all()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(allErr).toBeInstanceOf(Error);
      expect(performance.now() - t0).toBeLessThan(500 + 3000);
      // Majority calls complete through the other four, one after another.
      for (let i = 0; i < 50; i++) {
        const r = await echoQC(config.context({ timeoutMs: 5000 }), { value: `m${i}` }).majority();
        expect(r.value).toBe(`echo: m${i}`);
      }
      const others = await echoQC(config.context({ timeoutMs: 500 }), { value: "others" }).results().collectAll();
      expect([...others.keys()].sort()).toEqual([1, 3, 4, 5]);
    } finally {
      frozen.child.kill("SIGCONT");
    }
    // Continued: the same connection answers again (what queued up is served, later calls too).
    expect((await echoRPC(node2.context({ timeoutMs: 10_000 }), { value: "thawed" })).value).toBe("echo: thawed");
    const back = await echoQC(config.context({ timeoutMs: 10_000 }), { value: "back" }).results().collectAll();
    expect([...back.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(frozen.alive()).toBe(true);
  });
});
