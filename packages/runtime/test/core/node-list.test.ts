/**
 * Node lists and address normalization (Go behavior 48, DESIGN §3 "node lists"):
 * newConfig / Manager.newConfiguration error texts exactly as Go's TestNewConfig,
 * withNodeList IDs (1..n fresh, max+1 on a manager with nodes), withNodes with a
 * Record and a Map, reuse of a known node by ID, and normalizeAddress. Nodes dial
 * lazily, so no servers are needed; every configuration is closed afterwards.
 */
import { describe, expect, it } from "vitest";
import { Manager, type NodeListOption, normalizeAddress, withNodeList, withNodes } from "../../src/index.js";
import { cleanup, testConfig } from "../helpers/test-servers.js";

const nodes = ["127.0.0.1:9081", "127.0.0.1:9082", "127.0.0.1:9083"];

/** A fresh manager, closed after the test. */
function manager(): Manager {
  const m = new Manager();
  cleanup(() => m.close());
  return m;
}

describe("newConfig (Go TestNewConfig)", () => {
  it("withNodeList: size 3, IDs 1..3, normalized addresses", () => {
    const c = testConfig(withNodeList(["localhost:9081", "127.0.0.1:9082", "[::ffff:127.0.0.1]:9083"]));
    expect(c.size).toBe(3);
    expect(c.nodeIDs()).toEqual([1, 2, 3]);
    expect(c.nodes().map((n) => n.address)).toEqual(nodes);
  });

  it("withNodes with a Record: size 4, sorted by ID, addresses kept per ID", () => {
    const c = testConfig(withNodes({ 4: "127.0.0.1:9084", 2: "127.0.0.1:9082", 3: "127.0.0.1:9083", 1: "127.0.0.1:9081" }));
    expect(c.size).toBe(4);
    expect(c.nodeIDs()).toEqual([1, 2, 3, 4]);
    expect(c.node(4)?.address).toBe("127.0.0.1:9084");
  });

  it("withNodes with a Map: IDs as given (not renumbered), sorted", () => {
    const c = testConfig(
      withNodes(
        new Map([
          [30, "localhost:9093"],
          [10, "127.0.0.1:9091"],
          [20, "127.0.0.1:9092"],
        ]),
      ),
    );
    expect(c.nodeIDs()).toEqual([10, 20, 30]);
    expect(c.node(30)?.address).toBe("127.0.0.1:9093");
  });

  const rejects: Array<[string, () => NodeListOption, string]> = [
    ["withNodeList: empty list", () => withNodeList([]), "gorums: missing required node addresses"],
    ["withNodes: empty Record", () => withNodes({}), "gorums: missing required node map"],
    ["withNodes: empty Map", () => withNodes(new Map()), "gorums: missing required node map"],
    ["withNodes: ID 0", () => withNodes({ 0: "127.0.0.1:9080", 1: "127.0.0.1:9081" }), "gorums: node 0 is reserved"],
    [
      "withNodes: duplicate address",
      () => withNodes({ 1: "127.0.0.1:9081", 2: "127.0.0.1:9081" }),
      'gorums: address "127.0.0.1:9081" already in use by node 1',
    ],
    [
      "withNodeList: duplicate address",
      () => withNodeList(["127.0.0.1:9081", "127.0.0.1:9081"]),
      'gorums: address "127.0.0.1:9081" already in use by node 1',
    ],
    [
      "withNodes: duplicate after normalization",
      () => withNodes({ 1: "localhost:9081", 2: "127.0.0.1:9081" }),
      'gorums: address "127.0.0.1:9081" already in use by node 1',
    ],
    [
      "withNodeList: duplicate after normalization",
      () => withNodeList(["localhost:9081", "127.0.0.1:9081"]),
      'gorums: address "127.0.0.1:9081" already in use by node 1',
    ],
    [
      "withNodeList: IPv4-mapped IPv6 spelling of a listed address",
      () => withNodeList(["127.0.0.1:9081", "[::ffff:7f00:1]:9081"]),
      'gorums: address "127.0.0.1:9081" already in use by node 1',
    ],
  ];
  for (const [name, list, want] of rejects) {
    it(`rejects ${name} with exactly ${JSON.stringify(want)}`, () => {
      expect(() => testConfig(list())).toThrowError(new Error(want));
      expect(() => manager().newConfiguration(list())).toThrowError(new Error(want));
    });
  }

  it("rejects a bad address with `gorums: invalid address \"<a>\": …`", () => {
    for (const bad of ["127.0.0.1", "127.0.0.1:99999", "::1:80", "[foo]:80", "host:port"]) {
      expect(() => testConfig(withNodeList([bad]))).toThrow(`gorums: invalid address ${JSON.stringify(bad)}: `);
      expect(() => testConfig(withNodes({ 1: bad }))).toThrow(`gorums: invalid address ${JSON.stringify(bad)}: `);
    }
  });

  it("checks ID 0 before the address, as Go does", () => {
    expect(() => testConfig(withNodes({ 0: "not an address" }))).toThrowError(new Error("gorums: node 0 is reserved"));
  });

  it("rejects node IDs that are not uint32", () => {
    expect(() => testConfig(withNodes(new Map([[-1, "127.0.0.1:9081"]])))).toThrow("gorums: invalid node ID -1");
    expect(() => testConfig(withNodes(new Map([[1.5, "127.0.0.1:9081"]])))).toThrow("gorums: invalid node ID 1.5");
    expect(() => testConfig(withNodes(new Map([[2 ** 32, "127.0.0.1:9081"]])))).toThrow("gorums: invalid node ID 4294967296");
    expect(testConfig(withNodes(new Map([[2 ** 32 - 1, "127.0.0.1:9081"]]))).nodeIDs()).toEqual([4294967295]);
  });

  it("rejects a missing node list (impl)", () => {
    expect(() => manager().newConfiguration(undefined as unknown as NodeListOption)).toThrowError(
      new Error("gorums: missing required node list"),
    );
  });
});

describe("Manager", () => {
  it("withNodeList on a manager that has nodes numbers from max+1", () => {
    const m = manager();
    m.newConfiguration(withNodes({ 7: "127.0.0.1:9081", 3: "127.0.0.1:9082" }));
    const c = m.newConfiguration(withNodeList(["127.0.0.1:9083", "127.0.0.1:9084"]));
    expect(c.nodeIDs()).toEqual([8, 9]);
    expect(m.nodes().map((n) => n.id)).toEqual([3, 7, 8, 9]);
  });

  it("a second configuration shares the Node objects of known IDs (same address in another spelling)", () => {
    const m = manager();
    const a = m.newConfiguration(withNodeList(nodes));
    const b = m.newConfiguration(withNodes({ 2: "localhost:9082", 3: "127.0.0.1:9083" }));
    expect(b.nodeIDs()).toEqual([2, 3]);
    expect(b.node(2)).toBe(a.node(2));
    expect(b.node(3)).toBe(a.node(3));
    expect(m.nodes()).toHaveLength(3);
    expect(m.node(2)).toBe(a.node(2));
    expect(m.node(4)).toBeUndefined();
  });

  it("rejects a known ID with another address, and a known address under another ID", () => {
    const m = manager();
    m.newConfiguration(withNodeList(nodes));
    expect(() => m.newConfiguration(withNodes({ 2: "127.0.0.1:9090" }))).toThrowError(
      new Error('gorums: node 2 already in use by "127.0.0.1:9082"'),
    );
    expect(() => m.newConfiguration(withNodes({ 5: "localhost:9081" }))).toThrowError(
      new Error('gorums: address "127.0.0.1:9081" already in use by node 1'),
    );
    expect(() => m.newConfiguration(withNodeList(["127.0.0.1:9083"]))).toThrowError(
      new Error('gorums: address "127.0.0.1:9083" already in use by node 3'),
    );
  });

  it("a rejected list creates no nodes (the valid entries before the bad one are not kept)", () => {
    const m = manager();
    m.newConfiguration(withNodeList(nodes));
    expect(() => m.newConfiguration(withNodes({ 4: "127.0.0.1:9084", 5: "127.0.0.1:9081" }))).toThrow("already in use by node 1");
    expect(m.nodes().map((n) => n.id)).toEqual([1, 2, 3]);
    // ID 4 is still free, with any address.
    expect(m.newConfiguration(withNodes({ 4: "127.0.0.1:9094" })).node(4)?.address).toBe("127.0.0.1:9094");
  });

  it("refuses new configurations once closed", async () => {
    const m = manager();
    m.newConfiguration(withNodeList(nodes));
    await m.close();
    expect(() => m.newConfiguration(withNodeList(["127.0.0.1:9099"]))).toThrow("gorums: manager is closed");
  });
});

describe("normalizeAddress", () => {
  const same: Array<[string, string]> = [
    ["localhost:9081", "127.0.0.1:9081"],
    ["LocalHost:80", "127.0.0.1:80"],
    ["127.0.0.1:9081", "127.0.0.1:9081"],
    ["127.0.0.1:080", "127.0.0.1:80"],
    ["10.1.2.3:0", "10.1.2.3:0"],
    ["[::1]:8080", "[::1]:8080"],
    ["[0:0:0:0:0:0:0:1]:8080", "[::1]:8080"],
    ["[2001:DB8:0:0::1]:443", "[2001:db8::1]:443"],
    ["[::ffff:127.0.0.1]:9081", "127.0.0.1:9081"],
    ["[::FFFF:10.0.0.1]:1", "10.0.0.1:1"],
    ["[::ffff:7f00:1]:9081", "127.0.0.1:9081"],
    ["[0:0:0:0:0:ffff:127.0.0.1]:9081", "127.0.0.1:9081"],
    ["[127.0.0.1]:9081", "127.0.0.1:9081"],
    ["[fe80::1%eth0]:80", "[fe80::1%eth0]:80"],
    ["Example.COM:443", "example.com:443"],
    ["my_host-1.local:65535", "my_host-1.local:65535"],
  ];
  for (const [input, want] of same) {
    it(`${input} → ${want}`, () => {
      expect(normalizeAddress(input)).toBe(want);
    });
  }

  const bad: Array<[string, string]> = [
    ["127.0.0.1", "missing port in address"],
    ["localhost", "missing port in address"],
    ["[::1]", "missing port in address"],
    ["[::1]x:80", "missing port in address"],
    ["[::1:80", "missing ']' in address"],
    ["::1:80", "too many colons in address"],
    ["::ffff:127.0.0.1:80", "too many colons in address"],
    ["[::1]::80", "too many colons in address"],
    ["a]:80", "unexpected ']' in address"],
    ["a[:80", "unexpected '[' in address"],
    ["127.0.0.1:", 'invalid port ""'],
    ["127.0.0.1:65536", 'invalid port "65536"'],
    ["127.0.0.1:99999", 'invalid port "99999"'],
    ["127.0.0.1:-1", 'invalid port "-1"'],
    ["127.0.0.1: 80", 'invalid port " 80"'],
    ["127.0.0.1:http", 'invalid port "http"'],
    ["[foo]:80", "invalid IPv6 address"],
    ["a b:80", 'invalid host "a b"'],
  ];
  for (const [input, why] of bad) {
    it(`rejects ${JSON.stringify(input)}: ${why}`, () => {
      expect(() => normalizeAddress(input)).toThrowError(new Error(`gorums: invalid address ${JSON.stringify(input)}: ${why}`));
    });
  }
});
