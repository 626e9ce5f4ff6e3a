/**
 * HTTP/2 keepalive (`ManagerOptions.keepalive`, as gRPC's client keepalive):
 * a server process stopped with SIGSTOP keeps its TCP connection open and
 * answers nothing, so without keepalive the client never notices (only
 * deadlines end its calls). With keepalive, the unanswered PING drops the
 * connection: the node's lastError turns Unavailable within interval +
 * timeout, and a call without a deadline that waited on it is sent again on
 * a new connection and completes once the server continues. A healthy idle
 * connection is kept: PINGs are answered and no stream is reopened.
 *
 * From the server's side (`ServerOptions.keepalive`): a client peer whose
 * process is stopped leaves the server's clientConfig() once its PING goes
 * unanswered; without server keepalive it stays there.
 */
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { InboundManager, type ServerOptions, withNodeList } from "../../src/index.js";
import { echoRPC } from "../gen/testsvc/testsvc_gorums.js";
import { type NodeChild, startNodeChild } from "../helpers/child-process.js";
import { startChildServer } from "../helpers/child-server.js";
import { newState, registerTestService, testConfig, testServer } from "../helpers/test-servers.js";
import { sleep, waitUntil } from "../helpers/wait.js";

const CLIENT_PEER = fileURLToPath(new URL("./client-peer-process.mjs", import.meta.url));

// Every process, server and configuration below goes when its test ends
// (stopped processes are continued first).
describe("keepalive against a stopped server process", () => {
  it("drops the silent connection (Unavailable), and a call without a deadline completes after SIGCONT", { timeout: 30_000 }, async () => {
    const proc = await startChildServer();
    const config = testConfig(withNodeList([proc.addr]), { keepalive: { intervalMs: 100, timeoutMs: 300 }, backoff: { initialMs: 50, maxMs: 200 } });
    const node = config.nodes()[0]!;
    expect((await echoRPC(node.context({ timeoutMs: 10_000 }), { value: "warm" })).value).toBe("echo: warm");
    proc.child.kill("SIGSTOP");
    const waiting = echoRPC(node.context(), { value: "no deadline" });
    const t0 = Date.now();
    await waitUntil(() => node.lastError !== undefined, "the node's last error", 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(node.lastError?.code).toBe(Code.Unavailable);
    expect(node.lastError?.rawMessage).toMatch(/keepalive: no answer to a PING within 300 ms/);
    proc.child.kill("SIGCONT");
    expect((await waiting).value).toBe("echo: no deadline");
  });

  it("without keepalive nothing notices: the connection stays up and the call waits", { timeout: 30_000 }, async () => {
    const proc = await startChildServer();
    const config = testConfig(withNodeList([proc.addr]));
    const node = config.nodes()[0]!;
    expect((await echoRPC(node.context({ timeoutMs: 10_000 }), { value: "warm" })).value).toBe("echo: warm");
    proc.child.kill("SIGSTOP");
    let settled = false;
    const waiting = echoRPC(node.context(), { value: "no deadline" }).finally(() => {
      settled = true;
    });
    await sleep(1500);
    expect(node.lastError).toBeUndefined();
    expect(settled).toBe(false);
    proc.child.kill("SIGCONT");
    expect((await waiting).value).toBe("echo: no deadline");
  });
});

describe("keepalive on a healthy connection", () => {
  it("PINGs are answered: after many intervals the same stream serves, and no error was seen", async () => {
    let streams = 0;
    // Both sides PING: the server too (ServerOptions.keepalive).
    const server = testServer({ onConnect: () => streams++, keepalive: { intervalMs: 20, timeoutMs: 1000 } });
    registerTestService(server, newState(), 1);
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]), { keepalive: { intervalMs: 20, timeoutMs: 1000 } });
    const node = config.nodes()[0]!;
    expect((await echoRPC(node.context({ timeoutMs: 5000 }), { value: "a" })).value).toBe("echo: a");
    await sleep(600); // ~30 PINGs
    expect((await echoRPC(node.context({ timeoutMs: 5000 }), { value: "b" })).value).toBe("echo: b");
    expect(streams).toBe(1);
    expect(node.lastError).toBeUndefined();
  });
});

describe("server keepalive against a stopped client peer process", () => {
  /** A server tracking client peers, and one client peer in a child process, connected. */
  async function start(opts: ServerOptions): Promise<{ manager: InboundManager; child: NodeChild["child"] }> {
    const manager = new InboundManager(0);
    const server = testServer({ ...opts, inboundManager: manager });
    const addr = await server.listen("127.0.0.1:0");
    const { child } = startNodeChild(CLIENT_PEER, [addr]);
    await manager.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(10_000) });
    return { manager, child };
  }

  it("with keepalive, the stopped client peer leaves clientConfig() within interval + timeout", { timeout: 30_000 }, async () => {
    const { manager, child } = await start({ keepalive: { intervalMs: 100, timeoutMs: 300 } });
    child.kill("SIGSTOP");
    const t0 = Date.now();
    await manager.waitForClientConfig((c) => c.size === 0, { signal: AbortSignal.timeout(5000) });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("without it, the stopped client peer stays in clientConfig()", { timeout: 30_000 }, async () => {
    const { manager, child } = await start({});
    child.kill("SIGSTOP");
    await sleep(1500);
    expect(manager.clientConfig().size).toBe(1);
  });
});
