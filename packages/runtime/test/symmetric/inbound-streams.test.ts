/**
 * A plain Server with an InboundManager (no System), dialed the way Go Gorums
 * peers dial, with a lone `gorums-node-id` header (Go behaviors 72–77, 80):
 * a known ID joins inboundConfig and leaves on close; a plain client and an
 * unknown ID (99) change nothing; the server calls a known peer back on the
 * stream the peer opened (server-initiated, high-bit sequence numbers); a
 * reconnecting peer replaces its old stream, the old stream's end does not
 * detach the new one, and onChange fires per change only; the self node is
 * served in-process.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  type Configuration,
  InboundManager,
  multicastCall,
  newConfig,
  quorumCall,
  Server,
  twoWayHandler,
  withNodes,
} from "../../src/index.js";
import { isServerInitiated } from "../../src/wire/index.js";
import { RequestSchema, ResponseSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { registerTestService, cleanup } from "../helpers/test-servers.js";
import { newState } from "./helpers.js";
import { openRawStream, type RawStream, payloadOf } from "../helpers/raw-stream.js";
import { sleep, waitUntil } from "../helpers/wait.js";

describe("Server with an InboundManager", () => {

  /** Server 1 of peers {1: itself, 2, 3: 127.0.0.1 addresses that need not listen}. */
  async function start(): Promise<{ server: Server; manager: InboundManager; changes: number[][]; state: ReturnType<typeof newState> }> {
    const changes: number[][] = [];
    // The server's own address must be known before the peer list: take a free port first.
    const probe = new Server();
    const addr = await probe.listen("127.0.0.1:0");
    await probe.stop();
    const manager = new InboundManager(1, withNodes({ 1: addr, 2: "127.0.0.1:1", 3: "127.0.0.1:2" }), { onChange: (c) => changes.push(c.nodeIDs()) });
    const server = new Server({ inboundManager: manager });
    const state = newState();
    registerTestService(server, state, 1);
    cleanup(() => server.stop());
    await server.listen(addr);
    return { server, manager, changes, state };
  }

  it("the self node is served in-process by the server's handlers", async () => {
    const { manager, state } = await start();
    const self = manager.inboundConfig();
    expect(self.nodeIDs()).toEqual([1]);
    expect(self.node(1)?.isInbound()).toBe(false);
    const reply = await quorumCall(self.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "me", num: 5n }).all();
    expect(reply).toMatchObject({ value: "echo: me", num: 1n });
    expect(state.nums).toEqual([5n]);
  });

  it("a lone gorums-node-id of a known peer joins inboundConfig, is called back on its own stream, and leaves on close", async () => {
    const { server, manager, changes } = await start();
    const addr = manager.node(1)?.address as string;
    const clientServer = new Server();
    const calls: Array<{ from: number; value: string }> = [];
    clientServer.registerHandler(
      "testsvc.TestService.EchoQC",
      twoWayHandler(TestService.method.echoQC, (ctx, req) => {
        calls.push({ from: ctx.peer.nodeID, value: req.value });
        return { value: `echo: ${req.value}` };
      }),
    );
    const peer2 = newConfig(withNodes({ 1: addr }), { server: clientServer, metadata: { "gorums-node-id": "2" } });
    cleanup(() => clientServer.stop(), () => peer2.close());
    await quorumCall(peer2.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "hi" }).all();
    await manager.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    expect(server.config().nodeIDs()).toEqual([1, 2]);
    expect(manager.clientConfig().size).toBe(0);
    expect(manager.inboundConfig().node(2)?.isInbound()).toBe(true);

    const back = await quorumCall(manager.inboundConfig().remove(1).context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "hello" }).all();
    expect(back.value).toBe("echo: hello");
    expect(calls).toEqual([{ from: 1, value: "hello" }]);

    await peer2.close();
    await manager.waitForConfig((c) => c.size === 1, { signal: AbortSignal.timeout(2000) });
    expect(changes).toEqual([[1], [1, 2], [1]]);
  });

  it("a plain client and an unknown ID (99) are served but join no configuration", async () => {
    const { manager, changes, state } = await start();
    const addr = manager.node(1)?.address as string;
    const plain = newConfig(withNodes({ 1: addr }));
    const stranger = newConfig(withNodes({ 1: addr }), { metadata: { "gorums-node-id": "99" } });
    cleanup(() => plain.close(), () => stranger.close());
    for (const cfg of [plain, stranger]) {
      expect((await quorumCall(cfg.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x" }).all()).value).toBe("echo: x");
    }
    await sleep(100);
    expect(state.nums).toHaveLength(2);
    expect(manager.inboundConfig().nodeIDs()).toEqual([1]);
    expect(manager.clientConfig().size).toBe(0);
    expect(changes).toEqual([[1]]);
  });

  it("a reconnecting peer replaces its stream; the old stream's end does not detach the new one", async () => {
    const { manager, changes } = await start();
    const addr = manager.node(1)?.address as string;
    const first = openRawStream(addr, { headers: { "gorums-node-id": "3" } });
    cleanup(() => first.close());
    await manager.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    const withFirst: Configuration = manager.inboundConfig();
    expect(withFirst.nodeIDs()).toEqual([1, 3]);

    const second = openRawStream(addr, { headers: { "gorums-node-id": "3" } });
    cleanup(() => second.close());
    // Wait until the server has taken the second stream: its calls to node 3 land there.
    const call = async (value: string): Promise<string> => {
      const res = quorumCall(manager.inboundConfig().remove(1).context({ timeoutMs: 3000 }), TestService.method.echoQC, { value }).all();
      return (await res).value;
    };
    const answer = (s: RawStream, upto: number) => {
      // Reply to each server-initiated request received so far.
      for (const req of s.replies.slice(upto)) {
        expect(isServerInitiated(req.messageSeqNo)).toBe(true);
        const value = fromBinary(RequestSchema, req.payload).value;
        s.send(req.messageSeqNo, req.method, payloadOf(ResponseSchema, { value: `second: ${value}` }));
      }
    };
    await waitUntil(() => manager.inboundConfig().node(3)?.isInbound() === true && changes.length === 2, "node 3 connected");
    // Until the server accepts the second stream, calls may still go to the first (which never answers).
    let got = "";
    for (let i = 0; i < 50 && got === ""; i++) {
      const pending = call(`try ${i}`).catch(() => "");
      await waitUntil(() => second.replies.length > 0 || first.replies.length > i, "the request somewhere", 4000).catch(() => {});
      if (second.replies.length > 0) {
        answer(second, 0);
        got = await pending;
        break;
      }
      await pending;
    }
    expect(got).toMatch(/^second: try \d+$/);
    expect(manager.inboundConfig()).toBe(withFirst); // same members: no new configuration
    expect(changes).toEqual([[1], [1, 3]]);

    // The old stream ends: stale cleanup, node 3 stays, calls still reach the new stream.
    first.close();
    await sleep(300);
    expect(manager.inboundConfig().nodeIDs()).toEqual([1, 3]);
    expect(changes).toEqual([[1], [1, 3]]);
    const before = second.replies.length;
    const again = call("again");
    await waitUntil(() => second.replies.length > before, "the call on the new stream");
    answer(second, before);
    expect(await again).toBe("second: again");

    // The new stream ends: node 3 leaves.
    second.close();
    await manager.waitForConfig((c) => c.size === 1, { signal: AbortSignal.timeout(2000) });
    expect(changes).toEqual([[1], [1, 3], [1]]);
    await expect(multicastCall(withFirst.remove(1).context(), TestService.method.write, { value: "nobody" })).rejects.toThrow();
  });

  it("a replaced stream is ended cleanly and the handlers still running on it see their signal abort", async () => {
    const { server, manager } = await start();
    const addr = manager.node(1)?.address as string;
    const aborted: string[] = [];
    server.registerHandler(
      "testsvc.TestService.Echo",
      twoWayHandler(TestService.method.echo, async (ctx, req) => {
        await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r(), { once: true }));
        aborted.push(req.value);
        return {};
      }),
    );
    const first = openRawStream(addr, { headers: { "gorums-node-id": "3" } });
    cleanup(() => first.close());
    first.send(1n, "testsvc.TestService.Echo", payloadOf(RequestSchema, { value: "on first" }));
    await manager.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) });
    await sleep(100);
    expect(aborted).toEqual([]);
    const second = openRawStream(addr, { headers: { "gorums-node-id": "3" } });
    cleanup(() => second.close());
    await waitUntil(() => aborted.length === 1, "the first stream's handler to see its signal abort", 3000);
    expect(aborted).toEqual(["on first"]);
    await first.done; // ended cleanly, not reset
    expect(manager.inboundConfig().nodeIDs()).toEqual([1, 3]);
    // The second stream is live and tracked: when it ends, node 3 leaves.
    second.close();
    await manager.waitForConfig((c) => c.size === 1, { signal: AbortSignal.timeout(2000) });
  });
});
