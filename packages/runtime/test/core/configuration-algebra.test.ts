/**
 * Configuration algebra (Go behaviors 49–54, DESIGN §3 Configuration): the empty
 * configuration, add, union, remove, difference, extend (with its error texts),
 * independent extends, immutability, equals, iteration, node(id), contains,
 * toString. Mirrors Go's config_test.go. Nodes dial lazily, so no servers are
 * needed; every configuration is closed afterwards.
 */
import { describe, expect, it } from "vitest";
import { Configuration, ErrIncomplete, type Node, QuorumCallError, byID, withNodeList, withNodes } from "../../src/index.js";
import { testConfig } from "../helpers/test-servers.js";

const nodes = ["127.0.0.1:9081", "127.0.0.1:9082", "127.0.0.1:9083"];
const newNodes = ["127.0.0.1:9084", "127.0.0.1:9085"];

/** newConfig over `addrs`, closed when the test ends. */
function config(addrs: readonly string[] = nodes): Configuration {
  return testConfig(withNodeList([...addrs]));
}

/** Go's zero Configuration: no nodes, no manager. */
const zero = () => new Configuration([], undefined);

describe("empty configuration (Go TestEmptyConfiguration)", () => {
  // Both a configuration without a manager (Go's zero value) and one derived
  // empty from a populated configuration behave as Go's empty configuration.
  const empties: Array<[string, () => Configuration]> = [
    ["zero value", zero],
    ["derived by remove", () => config().remove(1, 2, 3)],
  ];
  for (const [name, make] of empties) {
    describe(name, () => {
      it("context() throws", () => {
        expect(() => make().context()).toThrowError(new Error("gorums: Context called on an empty configuration"));
      });
      it("extend throws, also with a node list", () => {
        expect(() => make().extend()).toThrowError(new Error("gorums: cannot extend empty configuration"));
        expect(() => make().extend(withNodeList(["127.0.0.1:9099"]))).toThrowError(new Error("gorums: cannot extend empty configuration"));
      });
      it("nodeIDs [], nodes [], size 0, contains false, node undefined, no iteration", () => {
        const e = make();
        expect(e.nodeIDs()).toEqual([]);
        expect(e.nodes()).toEqual([]);
        expect(e.size).toBe(0);
        expect(e.contains(1)).toBe(false);
        expect(e.node(1)).toBeUndefined();
        expect([...e]).toEqual([]);
        expect(e.toString()).toBe("{}");
      });
      it("equals another empty configuration, not a populated one", () => {
        const e = make();
        const populated = config(["127.0.0.1:9181"]);
        expect(e.equals(zero())).toBe(true);
        expect(zero().equals(e)).toBe(true);
        expect(e.equals(populated)).toBe(false);
        expect(populated.equals(e)).toBe(false);
      });
      it("add/remove/difference/withoutErrors/sortBy/union(empty) give empty configurations", () => {
        const e = make();
        const populated = config(["127.0.0.1:9181", "127.0.0.1:9182", "127.0.0.1:9183"]);
        const qcErr = new QuorumCallError(ErrIncomplete, [{ nodeID: 1, error: new Error("boom") }]);
        for (const got of [e.add(1, 2, 3), e.remove(1, 2, 3), e.difference(populated), e.withoutErrors(qcErr), e.sortBy(byID), e.union(zero())]) {
          expect(got).toBeInstanceOf(Configuration);
          expect(got.size).toBe(0);
          expect(got).not.toBe(e);
        }
      });
      it("union(populated) is a copy of populated", () => {
        const populated = config(["127.0.0.1:9181", "127.0.0.1:9182"]);
        const got = make().union(populated);
        expect(got.equals(populated)).toBe(true);
        expect(got).not.toBe(populated);
        expect(got.nodes()).not.toBe(populated.nodes());
        expect(got.node(1)).toBe(populated.node(1));
        // The copy belongs to populated's manager: it can grow.
        expect(got.add(2).nodeIDs()).toEqual([1, 2]);
        expect(got.extend(withNodeList(["127.0.0.1:9183"])).nodeIDs()).toEqual([1, 2, 3]);
      });
    });
  }

  it("close() of the zero configuration resolves", async () => {
    await expect(zero().close()).resolves.toBeUndefined();
  });
});

describe("add (Go TestConfigurationAdd, …AddDuplicateIDs)", () => {
  it("adding existing IDs gives an equal configuration; 999 is ignored", () => {
    const c1 = config();
    const c2 = c1.add(...c1.nodeIDs());
    expect(c2.size).toBe(3);
    expect(c2.equals(c1)).toBe(true);
    const c3 = c1.add(999);
    expect(c3.nodeIDs()).toEqual([1, 2, 3]);
  });

  it("add(3, 3, 3) to {1, 2} gives {1, 2, 3} once", () => {
    const c2 = config();
    const c1 = c2.remove(3);
    const c3 = c1.add(3, 3, 3);
    expect(c3.nodeIDs()).toEqual([1, 2, 3]);
    expect(c3.equals(c2)).toBe(true);
    expect(c3.node(3)).toBe(c2.node(3));
  });

  it("result is sorted by ID whatever the order of the arguments", () => {
    const c = config([...nodes, ...newNodes]);
    expect(c.remove(1, 2, 3, 4, 5).size).toBe(0);
    expect(c.remove(2, 4).add(4, 2).nodeIDs()).toEqual([1, 2, 3, 4, 5]);
    expect(c.sortBy((a, b) => b.id - a.id).remove(3).add(3).nodeIDs()).toEqual([1, 2, 3, 4, 5]);
  });

  it("adds nodes that another configuration of the same manager created", () => {
    const c1 = config();
    c1.extend(withNodeList(newNodes)); // creates 4, 5 in the manager
    expect(c1.add(5).nodeIDs()).toEqual([1, 2, 3, 5]);
  });

  it("only adds nodes of its own manager", () => {
    const c1 = config();
    const other = config(["127.0.0.1:9181", "127.0.0.1:9182", "127.0.0.1:9183", "127.0.0.1:9184"]);
    const got = c1.add(4);
    expect(got.nodeIDs()).toEqual([1, 2, 3]);
    expect(other.contains(4)).toBe(true);
  });
});

describe("union (Go TestConfigurationUnion, …UnionDuplicateNodes)", () => {
  it("with a subset equals the superset; {1,2} ∪ {1..5} = {1..5}", () => {
    const c1 = config();
    const c3 = c1.extend(withNodeList(newNodes));
    expect(c3.nodeIDs()).toEqual([1, 2, 3, 4, 5]);
    const c2 = c1.remove(3);
    expect(c2.nodeIDs()).toEqual([1, 2]);
    const c4 = c1.union(c2);
    expect(c4.equals(c1)).toBe(true);
    const c5 = c2.union(c3);
    expect(c5.equals(c3)).toBe(true);
  });

  it("{1} ∪ {1} = {1}; {1,2} ∪ {2,3} = {1,2,3}", () => {
    const c1 = config();
    expect(c1.remove(2, 3).union(c1.remove(2, 3)).nodeIDs()).toEqual([1]);
    expect(c1.remove(3).union(c1.remove(1)).nodeIDs()).toEqual([1, 2, 3]);
  });

  it("populated ∪ empty is a copy", () => {
    const c1 = config();
    const c2 = c1.union(zero());
    expect(c2.equals(c1)).toBe(true);
    expect(c2).not.toBe(c1);
    expect(c2.nodes()).not.toBe(c1.nodes());
  });
});

describe("remove and difference (Go TestConfigurationRemove, …Difference)", () => {
  it("remove drops the given IDs and ignores unknown ones", () => {
    const c1 = config();
    expect(c1.remove(1).nodeIDs()).toEqual([2, 3]);
    expect(c1.remove(2, 999).nodeIDs()).toEqual([1, 3]);
    expect(c1.remove().equals(c1)).toBe(true);
  });

  it("remove keeps the order of a sorted configuration", () => {
    const c = config().sortBy((a, b) => b.id - a.id);
    expect(c.remove(2).nodeIDs()).toEqual([3, 1]);
  });

  it("{1..5} \\ {1,2,3} = {4,5}", () => {
    const c1 = config();
    const c3 = c1.extend(withNodeList(newNodes));
    const c4 = c3.difference(c1);
    expect(c4.size).toBe(2);
    expect(c4.nodeIDs()).toEqual([4, 5]);
    expect(c1.difference(c3).size).toBe(0);
    expect(c1.difference(zero()).equals(c1)).toBe(true);
  });
});

describe("extend (Go TestConfigurationExtend, …ExtendConcurrent, …Immutability)", () => {
  it("extend() without a list is a copy", () => {
    const c = config(nodes.slice(0, 2));
    const c2 = c.extend();
    expect(c2.nodeIDs()).toEqual([1, 2]);
    expect(c2).not.toBe(c);
    expect(c2.nodes()).not.toBe(c.nodes());
  });

  it("withNodeList numbers the new nodes from max+1", () => {
    const c = config(nodes.slice(0, 2));
    const c2 = c.extend(withNodeList(nodes.slice(2)));
    expect(c2.nodeIDs()).toEqual([1, 2, 3]);
    expect(c2.node(3)?.address).toBe("127.0.0.1:9083");
    // max+1 counts every node of the manager, not just this configuration's.
    const c3 = c.remove(2).extend(withNodeList(["127.0.0.1:9090"]));
    expect(c3.nodeIDs()).toEqual([1, 4]);
  });

  it("withNodes {10, 11} gives size 4", () => {
    const c = config(nodes.slice(0, 2));
    const c2 = c.extend(withNodes({ 10: "127.0.0.1:9090", 11: "127.0.0.1:9091" }));
    expect(c2.size).toBe(4);
    expect(c2.nodeIDs()).toEqual([1, 2, 10, 11]);
  });

  it("withNodes naming a node already in the manager with its address reuses it", () => {
    const c = config();
    const sub = c.remove(3);
    const c2 = sub.extend(withNodes({ 3: "localhost:9083" }));
    expect(c2.nodeIDs()).toEqual([1, 2, 3]);
    expect(c2.node(3)).toBe(c.node(3));
  });

  const rejects: Array<[string, Record<number, string>, string]> = [
    ["ID 0", { 0: "127.0.0.1:9090" }, "gorums: node 0 is reserved"],
    ["ID in use with another address", { 2: "127.0.0.1:9090" }, 'gorums: node 2 already in use by "127.0.0.1:9082"'],
    ["address in use", { 3: "127.0.0.1:9081" }, 'gorums: address "127.0.0.1:9081" already in use by node 1'],
    ["address in use, normalized", { 3: "localhost:9081" }, 'gorums: address "127.0.0.1:9081" already in use by node 1'],
  ];
  for (const [name, list, want] of rejects) {
    it(`rejects ${name}: ${want}`, () => {
      const c = config(nodes.slice(0, 2));
      expect(() => c.extend(withNodes(list))).toThrowError(new Error(want));
      expect(c.nodeIDs()).toEqual([1, 2]);
    });
  }

  it("five extends of one base are independent: each has size 2, the manager has all", () => {
    const c = config(["127.0.0.1:9081"]);
    const extended = [2, 3, 4, 5, 6].map((id) => c.extend(withNodes({ [id]: `127.0.0.1:${9080 + id}` })));
    expect(extended.map((e) => e.nodeIDs())).toEqual([
      [1, 2],
      [1, 3],
      [1, 4],
      [1, 5],
      [1, 6],
    ]);
    expect(c.nodeIDs()).toEqual([1]);
    expect(c.add(2, 3, 4, 5, 6).nodeIDs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("extends started together in promises stay independent", async () => {
    const c = config(["127.0.0.1:9081"]);
    const extended = await Promise.all([2, 3, 4].map(async (id) => c.extend(withNodes({ [id]: `127.0.0.1:${9080 + id}` }))));
    expect(extended.map((e) => e.size)).toEqual([2, 2, 2]);
  });
});

describe("immutability", () => {
  it("no operation changes the configuration it is called on", () => {
    const c = config([...nodes, ...newNodes]);
    const before = [...c.nodes()];
    const qcErr = new QuorumCallError(ErrIncomplete, [{ nodeID: 2, error: new Error("x") }]);
    const results = [
      c.add(1),
      c.remove(1, 2),
      c.difference(c.remove(3)),
      c.union(c),
      c.extend(),
      c.extend(withNodeList(["127.0.0.1:9099"])),
      c.sortBy((a, b) => b.id - a.id),
      c.withoutErrors(qcErr),
    ];
    expect([...c.nodes()]).toEqual(before);
    expect(c.nodeIDs()).toEqual([1, 2, 3, 4, 5]);
    for (const r of results) {
      expect(r).not.toBe(c);
      expect(r.nodes()).not.toBe(c.nodes());
    }
  });
});

describe("equals, iteration, node, contains", () => {
  it("equals is the same IDs in the same order", () => {
    const c = config();
    const reversed = c.sortBy((a, b) => b.id - a.id);
    expect(reversed.nodeIDs()).toEqual([3, 2, 1]);
    expect(c.equals(reversed)).toBe(false);
    expect(reversed.sortBy(byID).equals(c)).toBe(true);
    expect(c.equals(c.remove(3))).toBe(false);
    expect(c.remove(3).equals(c)).toBe(false);
    expect(c.equals(c.extend())).toBe(true);
  });

  it("equals compares IDs, so a configuration of another manager with the same IDs is equal (as in Go)", () => {
    const a = config();
    const b = config(["127.0.0.1:9181", "127.0.0.1:9182", "127.0.0.1:9183"]);
    expect(a.equals(b)).toBe(true);
  });

  it("for..of yields the nodes in configuration order", () => {
    const c = config().sortBy((a, b) => b.id - a.id);
    const seen: Node[] = [];
    for (const n of c) {
      seen.push(n);
    }
    expect(seen.map((n) => n.id)).toEqual([3, 2, 1]);
    expect(seen.map((n) => n.address)).toEqual(["127.0.0.1:9083", "127.0.0.1:9082", "127.0.0.1:9081"]);
  });

  it("node(id) and contains(id)", () => {
    const c = config().remove(2);
    expect(c.node(1)?.id).toBe(1);
    expect(c.node(1)?.address).toBe("127.0.0.1:9081");
    expect(c.node(2)).toBeUndefined();
    expect(c.contains(1)).toBe(true);
    expect(c.contains(2)).toBe(false);
    expect(c.contains(0)).toBe(false);
    expect(String(c)).toBe("{1, 3}");
    expect(String(c.node(3))).toBe("node 3 (127.0.0.1:9083)");
  });

  it("a fresh node: outbound, unmeasured latency, no error, nothing pending", () => {
    const n = config().node(1) as Node;
    expect(n.isInbound()).toBe(false);
    expect(n.latencyMs).toBe(-1);
    expect(n.lastError).toBeUndefined();
    expect(n.pendingCount).toBe(0);
    expect(n.context({ timeoutMs: 5 }).node).toBe(n);
  });

  it("context() carries the configuration and the options", () => {
    const c = config();
    const signal = new AbortController().signal;
    const ctx = c.context({ signal, timeoutMs: 100, metadata: { k: "v" } });
    expect(ctx.config).toBe(c);
    expect(ctx.signal).toBe(signal);
    expect(ctx.timeoutMs).toBe(100);
    expect(ctx.metadata).toEqual({ k: "v" });
  });
});
