/**
 * Responses and ResponseSeq over scripted replies (no network): terminal
 * methods first/majority/all/threshold incl. a 4-node majority of 3 and the
 * first successful value (Go behavior 14), ErrIncomplete with node errors
 * (13, 14, 27), nodes skipped by mapRequest counting neither way (16 §
 * quirks), the iterator helpers ignoreErrors/filter/collectN/collectAll on
 * [ok, err, ok] (19, 20), and early termination ending the call (18).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrIncomplete, ErrSkipNode, type NodeResponse, QuorumCallError, Responses, responseSeq } from "../../src/index.js";
import { rejection } from "./util.js";

const ok = (nodeID: number, value: string): NodeResponse<string> => ({ nodeID, value });
const fail = (nodeID: number, error: Error = new ConnectError("boom", Code.Unavailable)): NodeResponse<string> => ({ nodeID, error });

/** A Responses over fixed replies; `read` counts the replies taken. */
function scripted(size: number, replies: NodeResponse<string>[]) {
  const state = { read: 0 };
  const seq = responseSeq<string>({
    async *[Symbol.asyncIterator]() {
      for (const r of replies) {
        state.read++;
        yield r;
      }
    },
  });
  const responses = new Responses(seq, { size });
  return { responses, state };
}

describe("Responses terminal methods", () => {
  it("first returns the first successful value, skipping errors", async () => {
    const { responses } = scripted(3, [fail(1), ok(2, "b"), ok(3, "c")]);
    expect(await responses.first()).toBe("b");
  });

  it("majority of 3 needs 2 successes and returns the first value", async () => {
    const { responses, state } = scripted(3, [ok(3, "c"), fail(1), ok(2, "b")]);
    expect(responses.size).toBe(3);
    expect(await responses.majority()).toBe("c");
    expect(state.read).toBe(3);
  });

  it("majority of 4 needs 3 successes", async () => {
    const two = scripted(4, [ok(1, "a"), ok(2, "b"), fail(3), fail(4)]);
    const err = (await rejection(two.responses.majority())) as QuorumCallError;
    expect(err).toBeInstanceOf(QuorumCallError);
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.nodeErrors.map((e) => e.nodeID)).toEqual([3, 4]);

    const three = scripted(4, [ok(1, "a"), fail(2), ok(3, "c"), ok(4, "d")]);
    expect(await three.responses.majority()).toBe("a");
  });

  it("all needs every node; one failure → ErrIncomplete naming it", async () => {
    expect(await scripted(3, [ok(1, "a"), ok(2, "b"), ok(3, "c")]).responses.all()).toBe("a");
    const failure = new ConnectError("down", Code.Unavailable);
    const err = (await rejection(scripted(3, [ok(1, "a"), fail(2, failure), ok(3, "c")]).responses.all())) as QuorumCallError;
    expect(err).toBeInstanceOf(QuorumCallError);
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.nodeErrors).toEqual([{ nodeID: 2, error: failure }]);
    expect(err.message.split("\n")[0]).toBe("quorum call error: incomplete call (1 of 3 needed succeeded, 1 failed, 0 skipped, 1 not answered)");
    expect(err.message).toContain("node 2: ");
  });

  it("threshold(n) returns early, once n successes arrived, and ends the call", async () => {
    const { responses, state } = scripted(5, [ok(1, "a"), fail(2), ok(3, "c"), ok(4, "d"), ok(5, "e")]);
    expect(await responses.threshold(2)).toBe("a");
    expect(state.read).toBe(3);
  });

  it("threshold larger than the successes → ErrIncomplete with every node error, in arrival order", async () => {
    const { responses } = scripted(4, [fail(4), ok(1, "a"), fail(2), ok(3, "c")]);
    const err = (await rejection(responses.threshold(3))) as QuorumCallError;
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.nodeErrors.map((e) => e.nodeID)).toEqual([4, 2]);
  });

  it("first with every node failed → ErrIncomplete; with no replies at all → ErrIncomplete without node errors", async () => {
    const err = (await rejection(scripted(2, [fail(1), fail(2)]).responses.first())) as QuorumCallError;
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.nodeErrors.length).toBe(2);
    const none = (await rejection(scripted(2, []).responses.first())) as QuorumCallError;
    expect(none.cause).toBe(ErrIncomplete);
    expect(none.nodeErrors.length).toBe(0);
    expect(none.message).toBe("quorum call error: incomplete call (0 of 1 needed succeeded, 0 failed, 0 skipped, 2 not answered)");
  });

  it("skipped nodes count neither as successes nor as failures; all() does not wait for them", async () => {
    const { responses } = scripted(3, [ok(1, "a"), fail(2, ErrSkipNode), ok(3, "c")]);
    expect(await responses.threshold(2)).toBe("a");
    expect(await scripted(3, [ok(1, "a"), fail(2, ErrSkipNode), ok(3, "c")]).responses.all()).toBe("a");
    expect(await scripted(3, [fail(2, ErrSkipNode), ok(1, "a"), ok(3, "c")]).responses.all()).toBe("a");
    const err = (await rejection(scripted(3, [ok(1, "a"), fail(2, ErrSkipNode), ok(3, "c")]).responses.threshold(3))) as QuorumCallError;
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.nodeErrors).toEqual([]);
    expect(err.counts).toEqual({ needed: 3, succeeded: 1, failed: 0, skipped: 1, notAnswered: 1 });
  });

  it("a call that can no longer reach its threshold fails at once, without reading on", async () => {
    const first = scripted(5, [fail(1), fail(2), ok(3, "c"), ok(4, "d"), ok(5, "e")]);
    const err = (await rejection(first.responses.threshold(4))) as QuorumCallError;
    expect(first.state.read).toBe(2);
    expect(err.message.split("\n")[0]).toBe("quorum call error: incomplete call (0 of 4 needed succeeded, 2 failed, 0 skipped, 3 not answered)");
    const all = scripted(3, [ok(1, "a"), fail(2), ok(3, "c")]);
    await rejection(all.responses.all());
    expect(all.state.read).toBe(2);
    // Skips count toward "can no longer": majority of 5 with 3 skipped fails before any reply.
    const skips = scripted(5, [fail(1, ErrSkipNode), fail(2, ErrSkipNode), fail(3, ErrSkipNode), ok(4, "d"), ok(5, "e")]);
    const noMajority = (await rejection(skips.responses.majority())) as QuorumCallError;
    expect(skips.state.read).toBe(3);
    expect(noMajority.counts).toEqual({ needed: 3, succeeded: 0, failed: 0, skipped: 3, notAnswered: 2 });
    // Every node skipped: all() has no reply to give.
    const none = (await rejection(scripted(2, [fail(1, ErrSkipNode), fail(2, ErrSkipNode)]).responses.all())) as QuorumCallError;
    expect(none.message).toBe("quorum call error: incomplete call (0 of 0 needed succeeded, 0 failed, 2 skipped, 0 not answered)");
  });
});

describe("ResponseSeq helpers", () => {
  const replies = () => [ok(1, "response1"), fail(2), ok(3, "response3")];

  it("iterates every reply in arrival order, errors included", async () => {
    const got: NodeResponse<string>[] = [];
    for await (const r of scripted(3, replies()).responses.results()) {
      got.push(r);
    }
    expect(got.map((r) => r.nodeID)).toEqual([1, 2, 3]);
    expect(got[1]?.error).toBeInstanceOf(ConnectError);
    expect(got[1]?.value).toBeUndefined();
  });

  it("ignoreErrors drops the failed reply", async () => {
    const got: number[] = [];
    for await (const r of scripted(3, replies()).responses.results().ignoreErrors()) {
      got.push(r.nodeID);
    }
    expect(got).toEqual([1, 3]);
  });

  it("filter keeps the matching replies", async () => {
    const got: NodeResponse<string>[] = [];
    for await (const r of scripted(3, [ok(1, "response1"), ok(2, "response2"), ok(3, "response3")]).responses.results().filter((r) => r.nodeID === 2)) {
      got.push(r);
    }
    expect(got).toEqual([{ nodeID: 2, value: "response2" }]);
  });

  it("collectN(2) stops after two successes; collectAll keeps every success by node ID", async () => {
    const a = scripted(4, [ok(1, "a"), fail(2), ok(3, "c"), ok(4, "d")]);
    expect(await a.responses.results().collectN(2)).toEqual(
      new Map([
        [1, "a"],
        [3, "c"],
      ]),
    );
    expect(a.state.read).toBe(3);
    expect(await scripted(3, replies()).responses.results().collectAll()).toEqual(
      new Map([
        [1, "response1"],
        [3, "response3"],
      ]),
    );
    expect(await scripted(3, replies()).responses.results().collectN(0)).toEqual(new Map());
  });

  it("helpers chain: filter then ignoreErrors then collectAll", async () => {
    const got = await scripted(3, replies())
      .responses.results()
      .filter((r) => r.nodeID !== 1)
      .ignoreErrors()
      .collectAll();
    expect(got).toEqual(new Map([[3, "response3"]]));
  });
});
