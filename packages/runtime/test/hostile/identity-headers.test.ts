/**
 * Bogus and contradictory identity headers (`gorums-node-id`, `gorums-addr`)
 * on real streams over 127.0.0.1 (issue 7 item 2; DESIGN §3 "Identity"; Go
 * behaviors 70, 72, 76, 78: a bare `gorums-node-id` names a known peer,
 * anything that does not parse as a uint32 is 0, i.e. a client peer; an
 * unknown ID is untracked). identify-peer.test.ts checks the decision
 * function; this checks what a hostile client achieves on the wire, and that
 * a well-behaved client is served on its first stream throughout.
 *
 * - Without an InboundManager every stream is an untracked external client
 *   (peer ID 0), whatever it claims.
 * - With one: a malformed, unknown, foreign-host, self-claiming or
 *   contradictory claim is refused with PermissionDenied before any request
 *   runs; a bare claim of this server's own ID or of an unknown ID is an
 *   external client; an unparsable ID (Go: 0) is a client peer with an
 *   assigned ID; none of them ever enters inboundConfig().
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_ID_BASE, InboundManager, Server, type ServerInterceptor, withNodes } from "../../src/index.js";
import { envelope, framesOf, GRPC_REQUEST, grpcFrame, rawCall, request, startWatchedServer, type WatchedServer } from "./helpers.js";

const ECHO = "testsvc.TestService.Echo";

/** One Echo request on a stream opened with `identity` headers. */
async function callWith(addr: string, identity: Record<string, string | string[]>) {
  return rawCall(addr, [grpcFrame(envelope(1n, ECHO, request("who")))], { headers: { ...GRPC_REQUEST, ...identity } });
}

/** A server that records the peer ID of every request it serves. */
async function startServer(inboundManager?: InboundManager): Promise<WatchedServer & { peers: number[] }> {
  const peers: number[] = [];
  const record: ServerInterceptor = (ctx, req, next) => {
    if (ctx.metadata.get("x-client") !== "good") {
      peers.push(ctx.peer.nodeID);
    }
    return next(ctx, req);
  };
  const opts = { interceptors: [record], ...(inboundManager ? { inboundManager } : {}) };
  return { ...(await startWatchedServer(opts, inboundManager?.node(inboundManager.myID)?.address)), peers };
}

const bogus: Array<[string, Record<string, string | string[]>]> = [
  ["gorums-node-id abc", { "gorums-node-id": "abc" }],
  ["gorums-node-id -1", { "gorums-node-id": "-1" }],
  ["gorums-node-id 2^32", { "gorums-node-id": "4294967296" }],
  ["an empty gorums-node-id", { "gorums-node-id": "" }],
  ["two gorums-node-id values", { "gorums-node-id": ["2", "3"] }],
  ["gorums-node-id of a known peer", { "gorums-node-id": "2" }],
  ["a malformed gorums-addr", { "gorums-addr": "not an address!" }],
  ["a 10 KiB gorums-addr", { "gorums-addr": `${"a".repeat(10 * 1024)}:1` }],
  ["gorums-addr and gorums-node-id that contradict", { "gorums-addr": "127.0.0.1:1", "gorums-node-id": "3" }],
  ["gorums-addr with control characters", { "gorums-addr": "127.0.0.1:1\t\u0001" }],
];

// On a plain Server (Go behavior 72's rule): a single gorums-node-id parsing to 0 and no
// gorums-addr makes a client peer with an ID of its own; every other stream is an external client.
const plainClientPeers = new Set(["gorums-node-id abc", "gorums-node-id -1", "gorums-node-id 2^32", "an empty gorums-node-id"]);

describe("identity headers without an InboundManager: client peers by Go's rule, every other stream an external client", () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s?.close());

  for (const [name, identity] of bogus) {
    const client = plainClientPeers.has(name);
    it(`${name}: served as ${client ? "a client peer" : "peer 0"}`, async () => {
      const before = s.peers.length;
      const res = await callWith(s.addr, identity);
      expect(res.grpcStatus).toBe(0);
      expect(framesOf(res.body).map((m) => m.messageSeqNo)).toEqual([1n]);
      const [peer] = s.peers.slice(before);
      if (client) {
        expect(peer).toBeGreaterThanOrEqual(CLIENT_ID_BASE);
      } else {
        expect(peer).toBe(0);
      }
      expect(s.server.config().size).toBe(0);
      await s.good.expectServed(name);
    });
  }
});

describe("identity headers with an InboundManager (me: 1; peers 2 at 127.0.0.1:1, 3 at 127.0.0.2:2)", () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let manager: InboundManager;
  beforeAll(async () => {
    const probe = new Server();
    const self = await probe.listen("127.0.0.1:0");
    await probe.stop();
    manager = new InboundManager(1, withNodes({ 1: self, 2: "127.0.0.1:1", 3: "127.0.0.2:2" }));
    s = await startServer(manager);
  });
  afterAll(() => s?.close());

  type Outcome = "refused" | "external" | "client";
  const cases: Array<[string, () => Record<string, string | string[]>, Outcome]> = [
    ["a malformed gorums-addr", () => ({ "gorums-addr": "not an address!" }), "refused"],
    ["a 10 KiB gorums-addr", () => ({ "gorums-addr": `${"a".repeat(10 * 1024)}:1` }), "refused"],
    // (node:http2 drops a header field with control characters: no identity at all)
    ["gorums-addr with control characters", () => ({ "gorums-addr": "127.0.0.1:1\t\u0001" }), "external"],
    ["an unknown gorums-addr", () => ({ "gorums-addr": "127.0.0.1:9" }), "refused"],
    ["this server's own address as gorums-addr", () => ({ "gorums-addr": s.addr }), "refused"],
    ["gorums-addr of a peer on another host (127.0.0.2)", () => ({ "gorums-addr": "127.0.0.2:2" }), "refused"],
    ["gorums-node-id of a peer on another host (3)", () => ({ "gorums-node-id": "3" }), "refused"],
    ["gorums-addr of peer 2 with gorums-node-id 3", () => ({ "gorums-addr": "127.0.0.1:1", "gorums-node-id": "3" }), "refused"],
    ["gorums-addr of peer 2 with gorums-node-id abc", () => ({ "gorums-addr": "127.0.0.1:1", "gorums-node-id": "abc" }), "refused"],
    ["gorums-node-id of this server (1)", () => ({ "gorums-node-id": "1" }), "external"],
    ["an unknown gorums-node-id (99)", () => ({ "gorums-node-id": "99" }), "external"],
    ["gorums-node-id abc (parses as 0)", () => ({ "gorums-node-id": "abc" }), "client"],
    ["gorums-node-id 2^32 (parses as 0)", () => ({ "gorums-node-id": "4294967296" }), "client"],
    ["two gorums-node-id values (2 and 3)", () => ({ "gorums-node-id": ["2", "3"] }), "refused"],
    ["two gorums-addr values", () => ({ "gorums-addr": ["127.0.0.1:1", "127.0.0.1:1"] }), "refused"],
  ];
  for (const [name, identity, outcome] of cases) {
    it(`${name}: ${outcome}`, async () => {
      const before = s.peers.length;
      const res = await callWith(s.addr, identity());
      if (outcome === "refused") {
        expect(res.grpcStatus).toBe(Code.PermissionDenied);
        expect(decodeURIComponent(String(res.trailers["grpc-message"] ?? res.headers["grpc-message"]))).toContain("peer refused");
        expect(framesOf(res.body)).toEqual([]);
        expect(s.peers.length).toBe(before); // no request ran
      } else {
        expect(res.grpcStatus).toBe(0);
        expect(framesOf(res.body).map((m) => m.messageSeqNo)).toEqual([1n]);
        const [peer] = s.peers.slice(before);
        if (outcome === "external") {
          expect(peer).toBe(0);
        } else {
          expect(peer).toBeGreaterThanOrEqual(CLIENT_ID_BASE);
        }
      }
      // Whatever it claimed, it never became a known peer; client peers leave with their stream.
      expect(manager.inboundConfig().nodeIDs()).toEqual([1]);
      await manager.waitForClientConfig((c) => c.size === 0, { signal: AbortSignal.timeout(5000) });
      await s.good.expectServed(name);
    });
  }
});
