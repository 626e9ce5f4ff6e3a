/**
 * Server lifecycle on loopback (Go behaviors 5, 13; issue 2 item 7):
 * listen("127.0.0.1:0") resolves to the bound "127.0.0.1:<port>"; listen twice,
 * on a busy port, with a bad address or after stop() rejects (a failed listen
 * can be retried); stop() closes the listener (the port can be bound
 * by a new Server), is idempotent and safe before listen; stop() while a
 * client has calls in flight fails those calls (no hang); a server stopped and
 * a new one started on the same port serves the next calls of the same
 * configuration (the client reconnects with backoff); concurrent calls on one
 * stream all succeed; a plain Server's config()/clientConfig() are empty.
 */
import * as net from "node:net";
import { ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { QuorumCallError, Server, quorumCall, rpcCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { registerTestService, startTestServers, stopAll, type TestServer, type TestServerState, cleanup, testConfig } from "../helpers/test-servers.js";

/** Resolves true when a fresh TCP connection to `addr` is accepted, false when refused. */
function canConnect(addr: string): Promise<boolean> {
  const colon = addr.lastIndexOf(":");
  return new Promise((resolve) => {
    const sock = net.connect({ host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

function newState(): TestServerState {
  return { writes: [], nums: [], delayMs: 0, streamReplies: 3 };
}

describe("server lifecycle", () => {
  let servers: TestServer[] = [];

  it('listen("127.0.0.1:0") resolves to the bound "127.0.0.1:<port>"', async () => {
    const server = new Server();
    cleanup(() => server.stop());
    const addr = await server.listen("127.0.0.1:0");
    expect(addr).toMatch(/^127\.0\.0\.1:\d+$/);
    const port = Number(addr.split(":")[1]);
    expect(port).toBeGreaterThan(0);
    expect(await canConnect(addr)).toBe(true);
  });

  it("listen on a busy port rejects, and listen twice rejects", async () => {
    const a = new Server();
    const b = new Server();
    cleanup(() => Promise.all([a.stop(), b.stop()]));
    const addr = await a.listen("127.0.0.1:0");
    await expect(b.listen(addr)).rejects.toThrow();
    await expect(a.listen("127.0.0.1:0")).rejects.toThrow(/already listening/);
  });

  it("a Server whose listen failed can listen again on another port", async () => {
    const a = new Server();
    const b = new Server();
    cleanup(() => Promise.all([a.stop(), b.stop()]));
    registerTestService(b, newState(), 2);
    const busy = await a.listen("127.0.0.1:0");
    await expect(b.listen(busy)).rejects.toThrow();
    const addr = await b.listen("127.0.0.1:0");
    expect(addr).not.toBe(busy);
    const config = testConfig(withNodeList([addr]));
    expect((await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" })).num).toBe(2n);
  });

  it("a stopped Server cannot listen again", async () => {
    const never = new Server();
    await never.stop();
    await expect(never.listen("127.0.0.1:0")).rejects.toThrow(/stopped/);
    const used = new Server();
    await used.listen("127.0.0.1:0");
    await used.stop();
    await expect(used.listen("127.0.0.1:0")).rejects.toThrow(/stopped/);
  });

  it("listen rejects an address without a valid port", async () => {
    const server = new Server();
    cleanup(() => server.stop());
    await expect(server.listen("127.0.0.1")).rejects.toThrow(/missing port/);
    await expect(server.listen("127.0.0.1:99999")).rejects.toThrow(/bad port/);
  });

  it("stop() closes the listener: the port refuses connections and a new Server can bind it", async () => {
    const first = new Server();
    cleanup(() => first.stop());
    const addr = await first.listen("127.0.0.1:0");
    await first.stop();
    expect(await canConnect(addr)).toBe(false);
    const second = new Server();
    cleanup(() => second.stop());
    expect(await second.listen(addr)).toBe(addr);
    expect(await canConnect(addr)).toBe(true);
  });

  it("stop() is idempotent, also concurrently, and fine before listen", async () => {
    const never = new Server();
    await never.stop();
    await never.stop();
    servers = await startTestServers(1);
    const s = servers[0]!;
    await Promise.all([s.server.stop(), s.server.stop()]);
    await s.server.stop();
    expect(await canConnect(s.addr)).toBe(false);
  });

  it("stop() closes a listener that has open client streams", async () => {
    servers = await startTestServers(1);
    const config = testConfig(withNodeList([servers[0]!.addr]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 5000 });
    expect((await rpcCall(ctx, TestService.method.echoRPC, { value: "a" })).value).toBe("echo: a");
    await servers[0]!.server.stop();
    expect(await canConnect(servers[0]!.addr)).toBe(false);
  });

  it("stop() while a client has calls in flight fails those calls with an error, not a hang", async () => {
    servers = await startTestServers(1);
    const s = servers[0]!;
    s.state.delayMs = 60_000; // handlers block until the stream ends or the server stops
    const config = testConfig(withNodeList([s.addr]), { backoff: { initialMs: 50, maxMs: 200 } });
    const node = config.nodes()[0]!;
    // No timeout: only the stop can end these calls.
    const ctx = node.context();
    const calls = [1, 2, 3].map((i) => rpcCall(ctx, TestService.method.echoRPC, { value: `v${i}`, num: BigInt(i) }));
    const settled = Promise.allSettled(calls);
    // Wait until the first call reached the handler.
    while (s.state.nums.length === 0) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await s.server.stop();
    // Pending calls may be re-sent on a new stream; with no server they fail.
    const outcomes = await Promise.race([
      settled,
      new Promise<"hang">((r) => setTimeout(() => r("hang"), 15_000)),
    ]);
    expect(outcomes).not.toBe("hang");
    for (const o of outcomes as PromiseSettledResult<unknown>[]) {
      expect(o.status).toBe("rejected");
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(ConnectError);
    }
  }, 20_000);

  it("stop() while a quorum call is in flight fails it with a QuorumCallError", async () => {
    servers = await startTestServers(3);
    for (const s of servers) {
      s.state.delayMs = 60_000;
    }
    const config = testConfig(withNodeList(servers.map((s) => s.addr)), { backoff: { initialMs: 50, maxMs: 200 } });
    const p = quorumCall(config.context(), TestService.method.echoQC, { value: "x" }).majority();
    p.catch(() => {});
    while (servers.some((s) => s.state.nums.length === 0)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await stopAll(servers);
    await expect(p).rejects.toBeInstanceOf(QuorumCallError);
  }, 20_000);

  it("a new server on the same port serves the next calls of the same configuration", async () => {
    servers = await startTestServers(1);
    const addr = servers[0]!.addr;
    const config = testConfig(withNodeList([addr]), { backoff: { initialMs: 20, maxMs: 200 } });
    const node = config.nodes()[0]!;
    expect((await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "before" })).num).toBe(1n);

    await servers[0]!.server.stop();
    servers = [];
    const replacement = new Server();
    cleanup(() => replacement.stop());
    const state = newState();
    registerTestService(replacement, state, 42);
    expect(await replacement.listen(addr)).toBe(addr);

    // The client reconnects with backoff: retry for up to ~3 s.
    const deadline = Date.now() + 3000;
    let reply: { value: string; num: bigint } | undefined;
    let lastErr: unknown;
    while (reply === undefined && Date.now() < deadline) {
      try {
        reply = await rpcCall(node.context({ timeoutMs: 1000 }), TestService.method.echoRPC, { value: "after" });
      } catch (err) {
        lastErr = err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(reply, `no reply from the new server: ${String(lastErr)}`).toBeDefined();
    expect(reply!.value).toBe("echo: after");
    expect(reply!.num).toBe(42n); // served by the new server, not a leftover
    expect(state.nums.length).toBeGreaterThan(0);
    // And quorum calls on the same configuration work too.
    const qc = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "qc" }).all();
    expect(qc.num).toBe(42n);
  }, 20_000);

  it("10 concurrent rpcs on one stream all succeed (Go behavior 5)", async () => {
    servers = await startTestServers(1);
    const config = testConfig(withNodeList([servers[0]!.addr]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 5000 });
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => rpcCall(ctx, TestService.method.echoRPC, { value: `c${i}`, num: BigInt(i) })),
    );
    expect(replies.map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `echo: c${i}`));
  });

  it("config() and clientConfig() of a plain Server are empty configurations", async () => {
    servers = await startTestServers(1);
    const server = servers[0]!.server;
    // A client connected: a plain server still tracks nobody.
    const config = testConfig(withNodeList([servers[0]!.addr]));
    await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" });
    expect(server.config().size).toBe(0);
    expect(server.config().nodeIDs()).toEqual([]);
    expect(server.clientConfig().size).toBe(0);
    expect(server.clientConfig().nodes()).toEqual([]);
  });
});
