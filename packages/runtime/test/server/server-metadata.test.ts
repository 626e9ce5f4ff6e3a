/**
 * What a handler learns about its caller, on loopback (Go behaviors 41, 42,
 * 43; issue 2 item 7): ManagerOptions.metadata (stream headers) and per-call
 * metadata (`config.context({ metadata })`) are both readable in
 * ctx.metadata, per-call entries belong to their own request only;
 * ctx.peer.address is the client's own "127.0.0.1:<port>" and ctx.peer.nodeID
 * is 0 for a plain client; onConnect gets the stream headers and the peer
 * address once per stream; a client that serves (ManagerOptions.server)
 * announces gorums-node-id 0 next to its metadata, a plain one does not.
 */
import { describe, expect, it } from "vitest";
import {
  CLIENT_ID_BASE,
  NODE_ID_HEADER,
  type PeerInfo,
  Server,
  newConfig,
  quorumCall,
  rpcCall,
  twoWayHandler,
  withNodeList,
} from "../../src/index.js";
import { RequestSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { openRawStream, payloadOf } from "../helpers/raw-stream.js";
import { testConfig, testServer } from "../helpers/test-servers.js";

interface Seen {
  metadata: Headers;
  peer: PeerInfo;
  method: string;
}

/** A server that records the ctx of every EchoRPC/EchoQC call and every onConnect; stopped when the test ends. */
async function startRecordingServer() {
  const calls: Seen[] = [];
  const connects: Array<{ header: Headers; peerAddress: string }> = [];
  const server = testServer({ onConnect: (info) => connects.push(info) });
  const record = twoWayHandler(TestService.method.echoRPC, (ctx, req) => {
    calls.push({ metadata: ctx.metadata, peer: ctx.peer, method: ctx.method });
    return { value: req.value };
  });
  server.registerHandler("testsvc.TestService.EchoRPC", record);
  server.registerHandler("testsvc.TestService.EchoQC", record);
  const addr = await server.listen("127.0.0.1:0");
  return { server, addr, calls, connects };
}

describe("server metadata and peer", () => {

  it("ManagerOptions.metadata reaches ctx.metadata on every call (Go behavior 41)", async () => {
    const s = await startRecordingServer();
    const config = testConfig(withNodeList([s.addr]), { metadata: { id: "1", "x-app": "store" } });
    const ctx = config.nodes()[0]!.context({ timeoutMs: 5000 });
    await rpcCall(ctx, TestService.method.echoRPC, { value: "a" });
    await rpcCall(ctx, TestService.method.echoRPC, { value: "b" });
    expect(s.calls.length).toBe(2);
    for (const c of s.calls) {
      expect(c.metadata.get("id")).toBe("1");
      expect(c.metadata.get("x-app")).toBe("store");
      expect(c.method).toBe("testsvc.TestService.EchoRPC");
    }
  });

  it("per-call metadata reaches ctx.metadata of that call only, next to the stream headers", async () => {
    const s = await startRecordingServer();
    const config = testConfig(withNodeList([s.addr]), { metadata: { id: "1" } });
    await quorumCall(config.context({ timeoutMs: 5000, metadata: { trace: "t-42" } }), TestService.method.echoQC, { value: "a" }).all();
    await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "b" }).all();
    expect(s.calls.map((c) => c.method)).toEqual(["testsvc.TestService.EchoQC", "testsvc.TestService.EchoQC"]);
    expect(s.calls[0]!.metadata.get("trace")).toBe("t-42");
    expect(s.calls[0]!.metadata.get("id")).toBe("1");
    expect(s.calls[1]!.metadata.get("trace")).toBeNull();
    expect(s.calls[1]!.metadata.get("id")).toBe("1");
  });

  it("per-call metadata of a node context works for rpc too", async () => {
    const s = await startRecordingServer();
    const config = testConfig(withNodeList([s.addr]));
    await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000, metadata: { user: "ann" } }), TestService.method.echoRPC, {});
    expect(s.calls[0]!.metadata.get("user")).toBe("ann");
  });

  it("message entries of a raw stream are in ctx.metadata", async () => {
    const s = await startRecordingServer();
    const raw = openRawStream(s.addr, { headers: { "x-stream": "hdr" } });
    try {
      raw.send(1n, "testsvc.TestService.EchoRPC", payloadOf(RequestSchema, {}), { "x-msg": "entry" });
      await raw.next();
      expect(s.calls[0]!.metadata.get("x-stream")).toBe("hdr");
      expect(s.calls[0]!.metadata.get("x-msg")).toBe("entry");
    } finally {
      raw.close();
    }
  });

  it("ctx.peer.address is the client's own 127.0.0.1:<port>; onConnect gets it and the headers", async () => {
    const s = await startRecordingServer();
    const raw = openRawStream(s.addr, { headers: { message: "hello" } });
    try {
      raw.send(1n, "testsvc.TestService.EchoRPC", payloadOf(RequestSchema, {}));
      await raw.next();
      const local = await raw.localAddress;
      expect(local).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(local).not.toBe(s.addr);
      expect(s.calls[0]!.peer.address).toBe(local);
      expect(s.calls[0]!.peer.nodeID).toBe(0);
      expect(s.connects.length).toBe(1);
      expect(s.connects[0]!.peerAddress).toBe(local);
      expect(s.connects[0]!.header.get("message")).toBe("hello"); // Go behavior 42
    } finally {
      raw.close();
    }
  });

  it("a plain client: peer.nodeID 0, one onConnect per stream with its metadata, no gorums-node-id", async () => {
    const s = await startRecordingServer();
    const config = testConfig(withNodeList([s.addr]), { metadata: { message: "hello" } });
    const other = newConfig(withNodeList([s.addr]), { metadata: { message: "other" } });
    try {
      await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, {});
      await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, {});
      await rpcCall(other.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, {});
    } finally {
      await other.close();
    }
    expect(s.calls.map((c) => c.peer.nodeID)).toEqual([0, 0, 0]);
    for (const c of s.calls) {
      expect(c.peer.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(c.peer.address).not.toBe(s.addr);
      expect(c.metadata.has(NODE_ID_HEADER)).toBe(false);
    }
    // Two calls on one stream share the peer; the other client has another port.
    expect(s.calls[1]!.peer.address).toBe(s.calls[0]!.peer.address);
    expect(s.calls[2]!.peer.address).not.toBe(s.calls[0]!.peer.address);
    expect(s.connects.map((c) => c.header.get("message")).sort()).toEqual(["hello", "other"]);
    expect(s.connects.map((c) => c.peerAddress).sort()).toEqual([s.calls[0]!.peer.address, s.calls[2]!.peer.address].sort());
  });

  it("a client with ManagerOptions.server announces gorums-node-id 0 and keeps its metadata (Go behavior 43)", async () => {
    const s = await startRecordingServer();
    const clientSide = new Server();
    const config = testConfig(withNodeList([s.addr]), { metadata: { message: "hello" }, server: clientSide });
    await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, {});
    expect(s.connects.length).toBe(1);
    expect(s.connects[0]!.header.get(NODE_ID_HEADER)).toBe("0");
    expect(s.connects[0]!.header.get("message")).toBe("hello");
    expect(s.calls[0]!.metadata.get(NODE_ID_HEADER)).toBe("0");
    // The server lists this client in clientConfig() with an ID of its own, and its handlers see that ID.
    expect(s.calls[0]!.peer.nodeID).toBeGreaterThanOrEqual(CLIENT_ID_BASE);
    await clientSide.stop();
  });
});
