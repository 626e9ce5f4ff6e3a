/**
 * Peer identification (DESIGN §3 "Identity"): parseNodeID (Go behavior 70) and
 * identifyPeer's decision from `gorums-addr` / `gorums-node-id` and the
 * socket's remote host (Go behavior 72, plus this design's address check);
 * an identity header sent twice is refused.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { parseNodeID } from "../../src/index.js";
import { identifyPeer, type KnownPeers } from "../../src/symmetric/identify-peer.js";

describe("parseNodeID", () => {
  it.each([
    ["3", 3],
    ["1", 1],
    ["4294967295", 4294967295],
  ])("%j → %d", (value, want) => {
    expect(parseNodeID(value)).toBe(want);
  });

  it.each([[null], ["0"], ["-1"], ["abc"], ["4294967296"], [""], ["1.5"], [" 3"], ["0x10"], ["99999999999"]])("%j → 0", (value) => {
    expect(parseNodeID(value)).toBe(0);
  });
});

/** Peers 2 and 3 on loopback, 4 on 10.0.0.4 (self, node 1, is not among them, as an InboundManager passes it). */
const peers: KnownPeers = (() => {
  const byID = new Map([
    [2, "127.0.0.1:9002"],
    [3, "127.0.0.1:9003"],
    [4, "10.0.0.4:9004"],
  ]);
  const byAddr = new Map([...byID].map(([id, a]) => [a, id]));
  return { addressOf: (id) => byID.get(id), idOf: (a) => byAddr.get(a) };
})();

function h(init: Record<string, string>): Headers {
  return new Headers(init);
}

async function deniedBy(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  const ce = err as ConnectError;
  expect(ce.code).toBe(Code.PermissionDenied);
  return ce;
}

describe("identifyPeer", () => {
  it("a known gorums-addr from its own host is that known peer", async () => {
    await expect(identifyPeer(h({ "gorums-addr": "127.0.0.1:9002" }), "127.0.0.1", peers)).resolves.toEqual({ kind: "known", nodeID: 2 });
    await expect(identifyPeer(h({ "gorums-addr": "127.0.0.1:9003", "gorums-node-id": "3" }), "127.0.0.1", peers)).resolves.toEqual({
      kind: "known",
      nodeID: 3,
    });
    await expect(identifyPeer(h({ "gorums-addr": "10.0.0.4:9004" }), "10.0.0.4", peers)).resolves.toEqual({ kind: "known", nodeID: 4 });
  });

  it("loopback spellings are one host: localhost, 127.0.0.1, ::ffff:127.0.0.1", async () => {
    for (const claim of ["localhost:9002", "127.0.0.1:9002", "LOCALHOST:9002"]) {
      for (const remote of ["127.0.0.1", "::ffff:127.0.0.1", "localhost"]) {
        await expect(identifyPeer(h({ "gorums-addr": claim }), remote, peers), `${claim} from ${remote}`).resolves.toEqual({
          kind: "known",
          nodeID: 2,
        });
      }
    }
    // An IPv4-mapped remote must still match a non-loopback peer's host, and only that.
    await expect(identifyPeer(h({ "gorums-addr": "10.0.0.4:9004" }), "::ffff:10.0.0.4", peers)).resolves.toEqual({ kind: "known", nodeID: 4 });
  });

  it("an unknown gorums-addr is refused, saying so", async () => {
    const err = await deniedBy(identifyPeer(h({ "gorums-addr": "127.0.0.1:9999" }), "127.0.0.1", peers));
    expect(err.rawMessage).toMatch(/not a known peer address/);
    expect(err.rawMessage).toContain("127.0.0.1:9999");
  });

  it("a malformed gorums-addr is refused", async () => {
    const err = await deniedBy(identifyPeer(h({ "gorums-addr": "nonsense" }), "127.0.0.1", peers));
    expect(err.rawMessage).toMatch(/not a valid address/);
  });

  it("a known address claimed from another host (127.0.0.2) is refused, naming both hosts", async () => {
    const err = await deniedBy(identifyPeer(h({ "gorums-addr": "127.0.0.1:9002" }), "127.0.0.2", peers));
    expect(err.rawMessage).toMatch(/claims host 127\.0\.0\.1/);
    expect(err.rawMessage).toMatch(/comes from 127\.0\.0\.2/);
    await deniedBy(identifyPeer(h({ "gorums-addr": "10.0.0.4:9004" }), "127.0.0.1", peers));
  });

  it("a gorums-node-id that contradicts gorums-addr is refused", async () => {
    for (const id of ["3", "0", "99", "abc"]) {
      const err = await deniedBy(identifyPeer(h({ "gorums-addr": "127.0.0.1:9002", "gorums-node-id": id }), "127.0.0.1", peers));
      expect(err.rawMessage).toMatch(/contradicts gorums-addr/);
    }
  });

  it("a lone known gorums-node-id is that peer, with its host checked", async () => {
    await expect(identifyPeer(h({ "gorums-node-id": "3" }), "127.0.0.1", peers)).resolves.toEqual({ kind: "known", nodeID: 3 });
    await expect(identifyPeer(h({ "gorums-node-id": "3" }), "::ffff:127.0.0.1", peers)).resolves.toEqual({ kind: "known", nodeID: 3 });
    const err = await deniedBy(identifyPeer(h({ "gorums-node-id": "3" }), "127.0.0.2", peers));
    expect(err.rawMessage).toMatch(/gorums-node-id 3/);
    await deniedBy(identifyPeer(h({ "gorums-node-id": "4" }), "127.0.0.1", peers));
  });

  it("a lone unknown gorums-node-id (99) is an external client", async () => {
    await expect(identifyPeer(h({ "gorums-node-id": "99" }), "127.0.0.2", peers)).resolves.toEqual({ kind: "external" });
  });

  it("gorums-node-id 0 (or anything parsing to 0) is a client peer", async () => {
    for (const id of ["0", "abc", "-1", ""]) {
      await expect(identifyPeer(h({ "gorums-node-id": id }), "127.0.0.2", peers), id).resolves.toEqual({ kind: "client" });
    }
  });

  it("an identity header sent more than once is refused, naming it (Go would read the first)", async () => {
    for (const [name, values] of [
      ["gorums-node-id", ["2", "3"]],
      ["gorums-node-id", ["2", "2"]],
      ["gorums-addr", ["127.0.0.1:9002", "127.0.0.1:9003"]],
    ] as const) {
      const headers = new Headers();
      for (const v of values) {
        headers.append(name, v);
      }
      const err = await deniedBy(identifyPeer(headers, "127.0.0.1", peers));
      expect(err.rawMessage).toContain(`${name} was sent more than once`);
    }
    // A single value with a comma looks the same once Headers joined repeats: refused too.
    await deniedBy(identifyPeer(h({ "gorums-node-id": "2,3" }), "127.0.0.1", peers));
  });

  it("no identity headers: an external client", async () => {
    await expect(identifyPeer(h({}), "127.0.0.2", peers)).resolves.toEqual({ kind: "external" });
    await expect(identifyPeer(h({ "x-other": "2" }), "127.0.0.1", peers)).resolves.toEqual({ kind: "external" });
  });
});

describe("identifyPeer with a custom lookup (DNS names of known peers)", () => {
  const named: KnownPeers = {
    addressOf: (id) => (id === 7 ? "replica-0.replicas:9080" : undefined),
    idOf: (address) => (address === "replica-0.replicas:9080" ? 7 : undefined),
    lookup: async (host) => (host === "replica-0.replicas" ? ["10.0.0.5", "127.0.0.9"] : []),
  };

  it("accepts a connection from any address the name resolves to", async () => {
    await expect(identifyPeer(new Headers({ "gorums-addr": "replica-0.replicas:9080" }), "127.0.0.9", named)).resolves.toEqual({ kind: "known", nodeID: 7 });
    await expect(identifyPeer(new Headers({ "gorums-node-id": "7" }), "10.0.0.5", named)).resolves.toEqual({ kind: "known", nodeID: 7 });
  });

  it("refuses a connection from an address the name does not resolve to", async () => {
    await expect(identifyPeer(new Headers({ "gorums-addr": "replica-0.replicas:9080" }), "127.0.0.1", named)).rejects.toThrow(/claims host replica-0.replicas/);
  });
});

describe('identifyPeer with identity "node-id" (Go\'s trust model)', () => {
  const trusting: KnownPeers = { ...peers, identity: "node-id" };

  it("takes a known peer's claim from any host, by gorums-node-id or gorums-addr", async () => {
    await expect(identifyPeer(h({ "gorums-node-id": "3" }), "127.0.0.2", trusting)).resolves.toEqual({ kind: "known", nodeID: 3 });
    await expect(identifyPeer(h({ "gorums-node-id": "4" }), "127.0.0.1", trusting)).resolves.toEqual({ kind: "known", nodeID: 4 });
    await expect(identifyPeer(h({ "gorums-addr": "127.0.0.1:9002", "gorums-node-id": "2" }), "192.168.1.7", trusting)).resolves.toEqual({ kind: "known", nodeID: 2 });
  });

  it("keeps the other checks: unknown addresses, contradictions and repeated headers are refused", async () => {
    expect((await deniedBy(identifyPeer(h({ "gorums-addr": "127.0.0.1:9999" }), "127.0.0.1", trusting))).rawMessage).toMatch(/not a known peer address/);
    expect((await deniedBy(identifyPeer(h({ "gorums-addr": "127.0.0.1:9002", "gorums-node-id": "3" }), "127.0.0.2", trusting))).rawMessage).toMatch(/contradicts/);
    await deniedBy(identifyPeer(h({ "gorums-node-id": "2, 3" }), "127.0.0.1", trusting));
    await expect(identifyPeer(h({ "gorums-node-id": "99" }), "127.0.0.2", trusting)).resolves.toEqual({ kind: "external" });
  });

  it('"strict" is the default: the same claims from another host are refused', async () => {
    await deniedBy(identifyPeer(h({ "gorums-node-id": "3" }), "127.0.0.2", { ...peers, identity: "strict" }));
    await deniedBy(identifyPeer(h({ "gorums-node-id": "3" }), "127.0.0.2", peers));
  });
});
