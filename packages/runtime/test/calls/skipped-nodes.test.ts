/**
 * Skipped nodes never fake a reply and never make a call fail for nothing
 * (issue 17, item 1), against 5 real servers on 127.0.0.1: with mapRequest
 * skipping one node, all() waits for the four it was sent to and succeeds;
 * threshold/majority/first count real replies only (majority of the
 * configuration's size); a call that can no longer reach its threshold fails
 * at once — not after slow nodes answer or the deadline — and the error's
 * first line gives the counts, skipped nodes included.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrIncomplete, mapRequest, quorumCall } from "../../src/index.js";
import { echoQC } from "../gen/testsvc/testsvc_gorums.js";
import { type Request, type Response, TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers } from "../helpers/test-servers.js";
import { expectQuorumError, useTestServers } from "./util.js";

const skip = (ids: number[]) => mapRequest<Request, Response>((req, node) => (ids.includes(node.id) ? undefined : req));
/** Nodes in `failing` answer FailedPrecondition, the others echo. */
const failOrSkip = (failing: number[], skipped: number[]) =>
  mapRequest<Request, Response>((req, node) => (skipped.includes(node.id) ? undefined : failing.includes(node.id) ? { ...req, value: `fail:${Code.FailedPrecondition}` } : req));

describe("skipped nodes", () => {
  const cluster = useTestServers();
  const setup = (n: number) => cluster.use(startTestServers(n));

  it("all() with one of five nodes skipped succeeds: every node the call was sent to answered", async () => {
    const { servers, config: cfg } = await setup(5);
    const reply = await echoQC(cfg.context({ timeoutMs: 5000 }), { value: "w" }, { interceptors: [skip([3])] }).all();
    expect(reply.value).toBe("echo: w");
    expect(servers.map((s) => s.state.nums.length)).toEqual([1, 1, 0, 1, 1]);
    // results() shows the skip as ErrSkipNode; collectAll has the four real replies.
    const got = await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "c" }, { interceptors: [skip([3])] })
      .results()
      .collectAll();
    expect([...got.keys()].sort()).toEqual([1, 2, 4, 5]);
  });

  it("threshold, majority and first count real replies only; majority is of the configuration's size", async () => {
    const { config: cfg } = await setup(5);
    const ctx = cfg.context({ timeoutMs: 5000 });
    // 2 skipped, 3 answer: majority (3 of 5) succeeds, threshold(4) cannot.
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "m" }, { interceptors: [skip([1, 2])] }).majority()).value).toBe("echo: m");
    expect((await quorumCall(ctx, TestService.method.echoQC, { value: "f" }, { interceptors: [skip([1, 2, 3, 4])] }).first()).value).toBe("echo: f");
    const err = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "t" }, { interceptors: [skip([1, 2])] }).threshold(4), ErrIncomplete);
    expect(err.message.split("\n")[0]).toMatch(/^quorum call error: incomplete call \(\d of 4 needed succeeded, 0 failed, 2 skipped, \d not answered\)$/);
    expect(err.counts?.skipped).toBe(2);
    expect(err.nodeErrors).toEqual([]);
    // 3 skipped: a majority of 5 is out of reach before any reply.
    const noMajority = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "n" }, { interceptors: [skip([1, 2, 3])] }).majority(), ErrIncomplete);
    expect(noMajority.message).toBe("quorum call error: incomplete call (0 of 3 needed succeeded, 0 failed, 3 skipped, 2 not answered)");
    // Every node skipped: first() has nothing to resolve with.
    const none = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "x" }, { interceptors: [skip([1, 2, 3, 4, 5])] }).first(), ErrIncomplete);
    expect(none.counts).toEqual({ needed: 1, succeeded: 0, failed: 0, skipped: 5, notAnswered: 0 });
  });

  it("a call that can no longer reach its threshold fails at once, not when the slow nodes answer", async () => {
    const { servers, config: cfg } = await setup(5);
    for (const i of [3, 4]) {
      servers[i]!.state.delayMs = 5000; // nodes 4 and 5 are slow
    }
    const ctx = cfg.context({ timeoutMs: 10_000 });
    let started = Date.now();
    // Node 1 skipped, node 2 fails: all() of the four sent to can no longer succeed.
    const all = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "a" }, { interceptors: [failOrSkip([2], [1])] }).all(), ErrIncomplete);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(all.nodeErrors.map((e) => e.nodeID)).toEqual([2]);
    expect(all.counts).toMatchObject({ needed: 4, failed: 1, skipped: 1 });
    expect(all.message.split("\n")[0]).toMatch(/^quorum call error: incomplete call \([01] of 4 needed succeeded, 1 failed, 1 skipped, [23] not answered\)$/);
    expect(all.message).toContain("\nnode errors:\n\tnode 2: ");
    expect(all.message.endsWith("\n")).toBe(false);
    // Majority of 5 (3): nodes 1 and 2 fail, node 3 skipped: only the two slow ones are left.
    started = Date.now();
    const maj = await expectQuorumError(quorumCall(ctx, TestService.method.echoQC, { value: "m" }, { interceptors: [failOrSkip([1, 2], [3])] }).majority(), ErrIncomplete);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(maj.message.split("\n")[0]).toBe("quorum call error: incomplete call (0 of 3 needed succeeded, 2 failed, 1 skipped, 2 not answered)");
  });
});
