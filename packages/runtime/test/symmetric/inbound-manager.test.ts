/**
 * InboundManager on its own (no connections): construction from a peer list
 * (Go behavior 71), onChange once at construction (behavior 75), and
 * waitForConfig / waitForClientConfig resolving at once, rejecting with the
 * signal's reason, and with ErrStopped (behavior 84).
 */
import { describe, expect, it } from "vitest";
import { type Configuration, ErrStopped, InboundManager, withNodeList, withNodes } from "../../src/index.js";

describe("InboundManager construction", () => {
  it("peers {1,2,3}, myID 1: the inbound configuration is self only", () => {
    const m = new InboundManager(1, withNodes({ 1: "127.0.0.1:9001", 2: "127.0.0.1:9002", 3: "127.0.0.1:9003" }));
    expect(m.myID).toBe(1);
    expect(m.inboundConfig().nodeIDs()).toEqual([1]);
    expect(m.clientConfig().size).toBe(0);
    expect(m.knownPeers().map((n) => n.id)).toEqual([1, 2, 3]);
    // Every known peer is a node of the manager, connected or not.
    expect(m.node(3)?.address).toBe("127.0.0.1:9003");
    expect(m.node(4)).toBeUndefined();
  });

  it("withNodeList numbers the peers 1..n", () => {
    const m = new InboundManager(2, withNodeList(["127.0.0.1:9001", "localhost:9002", "127.0.0.1:9003"]));
    expect(m.inboundConfig().nodeIDs()).toEqual([2]);
    expect(m.node(2)?.address).toBe("127.0.0.1:9002");
  });

  it("without peers (a server that only tracks clients) both configurations are empty", () => {
    const m = new InboundManager(0);
    expect(m.inboundConfig().size).toBe(0);
    expect(m.clientConfig().size).toBe(0);
  });

  it.each([
    ["ID 0", () => withNodes({ 0: "127.0.0.1:9000", 1: "127.0.0.1:9001" }), /node 0 is reserved/],
    ["a duplicate address", () => withNodes({ 1: "127.0.0.1:9001", 2: "localhost:9001" }), /already in use by node 1/],
    ["a bad address", () => withNodes({ 1: "127.0.0.1" }), /invalid address/],
    ["an empty list", () => withNodeList([]), /missing required node addresses/],
    ["an empty map", () => withNodes({}), /missing required node map/],
  ])("an invalid peer list (%s) throws a gorums: invalid peer configuration error", (_name, list, why) => {
    let err: unknown;
    try {
      new InboundManager(1, list());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^gorums: invalid peer configuration: /);
    expect((err as Error).message).toMatch(why);
  });

  it("onChange fires once at construction, with [myID]", () => {
    const seen: number[][] = [];
    const m = new InboundManager(2, withNodes({ 1: "127.0.0.1:9001", 2: "127.0.0.1:9002" }), { onChange: (c) => seen.push(c.nodeIDs()) });
    expect(seen).toEqual([[2]]);
    // A recomputation without any change does not fire it again.
    m.changed();
    expect(seen).toEqual([[2]]);
  });

  it("close() of its configurations does not close the nodes", async () => {
    const m = new InboundManager(1, withNodes({ 1: "127.0.0.1:9001", 2: "127.0.0.1:9002" }));
    const cfg = m.inboundConfig();
    await cfg.close();
    expect(m.inboundConfig().nodeIDs()).toEqual([1]);
  });
});

describe("InboundManager waits", () => {
  const peers = withNodes({ 1: "127.0.0.1:9001", 2: "127.0.0.1:9002" });
  const full = (c: Configuration) => c.size === 2;

  it("resolve at once when the condition already holds", async () => {
    const m = new InboundManager(1, peers);
    let seenSize = -1;
    await m.waitForConfig((c) => {
      seenSize = c.size;
      return c.contains(1);
    });
    expect(seenSize).toBe(1);
    await m.waitForClientConfig((c) => c.size === 0);
    // Even when stopped, or with an aborted signal: the condition comes first.
    m.stop();
    await m.waitForConfig((c) => c.size === 1, { signal: AbortSignal.abort() });
  });

  it("reject with the signal's reason when it aborts", async () => {
    const m = new InboundManager(1, peers);
    const err = await m.waitForConfig(full, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe("TimeoutError");

    const reason = new Error("gave up");
    const ac = new AbortController();
    const waiting = m.waitForClientConfig((c) => c.size === 1, { signal: ac.signal });
    ac.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    // Already aborted: at once, same reason.
    await expect(m.waitForConfig(full, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it("reject with ErrStopped on stop, every waiter, and later waits too", async () => {
    const m = new InboundManager(1, peers);
    const waits = [
      ...Array.from({ length: 4 }, () => m.waitForConfig(full)),
      m.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(60_000) }),
    ];
    m.stop();
    const results = await Promise.allSettled(waits);
    expect(results.map((r) => (r.status === "rejected" ? r.reason : "fulfilled"))).toEqual(waits.map(() => ErrStopped));
    await expect(m.waitForConfig(full)).rejects.toBe(ErrStopped);
  });
});
