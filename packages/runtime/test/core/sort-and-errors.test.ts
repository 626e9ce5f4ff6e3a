/**
 * Node comparators, sortBy, withoutErrors and QuorumCallError (Go behaviors
 * 26–27 in part, 29, 30, 55, 59): byID / byLatency / byLastNodeError on nodes
 * whose latency and last error a fake CallChannel controls (Go TestNodeSort),
 * sortBy stability (TestConfigurationSortBy), withoutErrors with no kinds, an
 * Error kind and a Code kind (TestConfigurationWithoutErrors), and the exact
 * text of a QuorumCallError. Unit tests: no sockets.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  ErrIncomplete,
  ErrNodeClosed,
  ErrSendFailure,
  ErrStreamDown,
  type Node,
  QuorumCallError,
  byID,
  byLastNodeError,
  byLatency,
  newConfig,
  withNodeList,
} from "../../src/index.js";
import { fakeConfig } from "./fakes.js";

const someErr = new ConnectError("some error", Code.Unavailable);

describe("comparators (Go TestNodeSort)", () => {
  const errNodes = () =>
    fakeConfig([{ id: 100 }, { id: 101, lastError: someErr }, { id: 42 }, { id: 99, lastError: someErr }]).config;

  it("byID sorts ascending", () => {
    expect(errNodes().sortBy(byID).nodeIDs()).toEqual([42, 99, 100, 101]);
  });

  it("byLastNodeError puts error-free nodes first, keeping their order", () => {
    expect(errNodes().sortBy(byLastNodeError).nodeIDs()).toEqual([100, 42, 101, 99]);
  });

  it("byLastNodeError then byID: [42, 100, 99, 101]", () => {
    const cmp = (a: Node, b: Node) => byLastNodeError(a, b) || byID(a, b);
    expect(errNodes().sortBy(cmp).nodeIDs()).toEqual([42, 100, 99, 101]);
  });

  it("byLatency ascending, unmeasured last: [30, 10, -1, 20 ms] → [2, 4, 1, 3]", () => {
    const { config } = fakeConfig([
      { id: 1, latencyMs: 30 },
      { id: 2, latencyMs: 10 },
      { id: 3, latencyMs: -1 },
      { id: 4, latencyMs: 20 },
    ]);
    expect(config.sortBy(byLatency).nodeIDs()).toEqual([2, 4, 1, 3]);
  });

  it("byLatency keeps the order of unmeasured nodes and of equal latencies (stable)", () => {
    const unmeasured = fakeConfig([{ id: 3 }, { id: 1 }, { id: 2 }]).config;
    expect(unmeasured.sortBy(byLatency).nodeIDs()).toEqual([3, 1, 2]);
    const ties = fakeConfig([
      { id: 9, latencyMs: -1 },
      { id: 10, latencyMs: 20 },
      { id: 5, latencyMs: 10 },
      { id: 7, latencyMs: 20 },
      { id: 8, latencyMs: -1 },
    ]).config;
    expect(ties.sortBy(byLatency).nodeIDs()).toEqual([5, 10, 7, 9, 8]);
  });

  it("byLatency then byID breaks ties: [5, 7, 10]", () => {
    const { config } = fakeConfig([
      { id: 10, latencyMs: 20 },
      { id: 5, latencyMs: 10 },
      { id: 7, latencyMs: 20 },
    ]);
    expect(config.sortBy((a, b) => byLatency(a, b) || byID(a, b)).nodeIDs()).toEqual([5, 7, 10]);
  });

  it("a zero latency is a measurement, sorted before larger ones", () => {
    const { config } = fakeConfig([{ id: 1, latencyMs: 3 }, { id: 2 }, { id: 3, latencyMs: 0 }]);
    expect(config.sortBy(byLatency).nodeIDs()).toEqual([3, 1, 2]);
  });

  it("sort keys are read live from the node's channel", () => {
    const { config, registry } = fakeConfig([
      { id: 1, latencyMs: 10 },
      { id: 2, latencyMs: 20 },
    ]);
    expect(config.sortBy(byLatency).nodeIDs()).toEqual([1, 2]);
    registry.channel(1).latencyMs = 30;
    expect(config.sortBy(byLatency).nodeIDs()).toEqual([2, 1]);
    registry.channel(2).lastError = someErr;
    expect(config.sortBy(byLastNodeError).nodeIDs()).toEqual([1, 2]);
    expect(config.node(2)?.lastError).toBe(someErr);
  });
});

describe("sortBy (Go TestConfigurationSortBy)", () => {
  it("on a fresh real configuration: byID ascending, byLatency keeps order, a new array each time", async () => {
    const cfg = newConfig(withNodeList(["127.0.0.1:9083", "127.0.0.1:9081", "127.0.0.1:9082"]));
    try {
      const reversed = cfg.sortBy((a, b) => b.id - a.id);
      expect(reversed.nodeIDs()).toEqual([3, 2, 1]);
      expect(reversed.sortBy(byID).nodeIDs()).toEqual([1, 2, 3]);
      for (const n of cfg) {
        expect(n.latencyMs).toBe(-1);
      }
      expect(reversed.sortBy(byLatency).nodeIDs()).toEqual([3, 2, 1]);
      const composed = reversed.sortBy((a, b) => byLastNodeError(a, b) || byLatency(a, b));
      expect(composed.nodeIDs()).toEqual([3, 2, 1]);
      const sorted = cfg.sortBy(byID);
      expect(sorted).not.toBe(cfg);
      expect(sorted.nodes()).not.toBe(cfg.nodes());
      expect(cfg.nodeIDs()).toEqual([1, 2, 3]);
    } finally {
      await cfg.close();
    }
  });
});

describe("withoutErrors (Go TestConfigurationWithoutErrors)", () => {
  const timeoutErr = new Error("timeout");
  const connRefusedErr = new Error("connection refused");
  const otherErr = new Error("other error");
  const differentErr = new Error("different error");
  const qc = (errs: Record<number, Error>) =>
    new QuorumCallError(
      ErrIncomplete,
      Object.entries(errs).map(([id, error]) => ({ nodeID: Number(id), error })),
    );
  const cfg = () => fakeConfig([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]).config;

  const cases: Array<[string, QuorumCallError, Array<Error | Code>, number[]]> = [
    ["no kinds: drops every failed node", qc({ 1: timeoutErr, 2: connRefusedErr }), [], [3, 4]],
    ["one Error kind: drops only matching nodes", qc({ 1: timeoutErr, 2: connRefusedErr, 3: otherErr }), [timeoutErr], [2, 3, 4]],
    [
      "several Error kinds",
      qc({ 1: timeoutErr, 2: connRefusedErr, 3: otherErr }),
      [timeoutErr, connRefusedErr],
      [3, 4],
    ],
    ["no matching kind: keeps all", qc({ 1: timeoutErr, 2: connRefusedErr }), [differentErr], [1, 2, 3, 4]],
    ["an equal-text Error is not the same kind", qc({ 1: timeoutErr }), [new Error("timeout")], [1, 2, 3, 4]],
    ["no node errors: keeps all", qc({}), [], [1, 2, 3, 4]],
    ["errors of nodes not in the configuration are ignored", qc({ 7: timeoutErr }), [], [1, 2, 3, 4]],
    [
      "a Code kind drops nodes with a ConnectError of that code",
      qc({
        1: new ConnectError("deadline", Code.DeadlineExceeded),
        2: new ConnectError("down", Code.Unavailable),
        3: ErrNodeClosed,
        4: timeoutErr,
      }),
      [Code.Unavailable],
      [1, 4],
    ],
    [
      "a ConnectError kind matches the same code and message, not another message",
      qc({ 1: new ConnectError("node closed", Code.Unavailable), 2: ErrStreamDown, 3: ErrNodeClosed }),
      [ErrNodeClosed],
      [2, 4],
    ],
    [
      "an Error kind matches an error that wraps it in its cause chain (as errors.Is)",
      qc({ 1: new Error("wrapped", { cause: new Error("mid", { cause: timeoutErr }) }), 2: otherErr }),
      [timeoutErr],
      [2, 3, 4],
    ],
    ["mixed Error and Code kinds", qc({ 1: timeoutErr, 2: new ConnectError("x", Code.Internal), 3: otherErr }), [timeoutErr, Code.Internal], [3, 4]],
  ];
  for (const [name, err, kinds, want] of cases) {
    it(name, () => {
      const c = cfg();
      const got = c.withoutErrors(err, ...kinds);
      expect(got.nodeIDs()).toEqual(want);
      expect(c.nodeIDs()).toEqual([1, 2, 3, 4]);
    });
  }

  it("keeps the configuration's order", () => {
    const c = cfg().sortBy((a, b) => b.id - a.id);
    expect(c.withoutErrors(qc({ 2: timeoutErr })).nodeIDs()).toEqual([4, 3, 1]);
  });
});

describe("QuorumCallError (Go behaviors 27, 29)", () => {
  it("without node errors: one line", () => {
    const err = new QuorumCallError(ErrIncomplete);
    expect(err.message).toBe("quorum call error: incomplete call (errors: 0)");
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.nodeErrors).toEqual([]);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("QuorumCallError");
  });

  it("with node errors: a tab-indented line per node, in the given order", () => {
    const e3 = new ConnectError("node closed", Code.Unavailable);
    const e1 = new Error("boom");
    const err = new QuorumCallError(ErrSendFailure, [
      { nodeID: 3, error: e3 },
      { nodeID: 1, error: e1 },
    ]);
    expect(err.message).toBe("quorum call error: send failure (errors: 2)\nnode errors:\n\tnode 3: [unavailable] node closed\n\tnode 1: boom");
    expect(err.cause).toBe(ErrSendFailure);
    expect(err.nodeErrors.map((e) => [e.nodeID, e.error])).toEqual([
      [3, e3],
      [1, e1],
    ]);
  });
});
