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
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { type Configuration, InboundManager, newConfig, Server, type ServerOptions, withNodeList } from "../../src/index.js";
import { echoRPC } from "../gen/testsvc/testsvc_gorums.js";
import { registerTestService } from "../helpers/test-servers.js";
import { killAll, requireDist, type ServerProcess, startServerProcess } from "./server-process.js";
import { sleep, waitUntil } from "../helpers/wait.js";

const CLIENT_PEER = fileURLToPath(new URL("./client-peer-process.mjs", import.meta.url));


describe("keepalive against a stopped server process", () => {
  let procs: ServerProcess[] = [];
  let config: Configuration | undefined;
  afterEach(async () => {
    await config?.close();
    config = undefined;
    await killAll(procs); // continues stopped ones first
    procs = [];
  });

  it("drops the silent connection (Unavailable), and a call without a deadline completes after SIGCONT", { timeout: 30_000 }, async () => {
    const proc = await startServerProcess();
    procs = [proc];
    config = newConfig(withNodeList([proc.addr]), { keepalive: { intervalMs: 100, timeoutMs: 300 }, backoff: { initialMs: 50, maxMs: 200 } });
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
    const proc = await startServerProcess();
    procs = [proc];
    config = newConfig(withNodeList([proc.addr]));
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
  let server: Server | undefined;
  let config: Configuration | undefined;
  afterEach(async () => {
    await config?.close();
    config = undefined;
    await server?.stop();
    server = undefined;
  });

  it("PINGs are answered: after many intervals the same stream serves, and no error was seen", async () => {
    let streams = 0;
    // Both sides PING: the server too (ServerOptions.keepalive).
    server = new Server({ onConnect: () => streams++, keepalive: { intervalMs: 20, timeoutMs: 1000 } });
    registerTestService(server, { writes: [], nums: [], delayMs: 0, streamReplies: 1 }, 1);
    const addr = await server.listen("127.0.0.1:0");
    config = newConfig(withNodeList([addr]), { keepalive: { intervalMs: 20, timeoutMs: 1000 } });
    const node = config.nodes()[0]!;
    expect((await echoRPC(node.context({ timeoutMs: 5000 }), { value: "a" })).value).toBe("echo: a");
    await sleep(600); // ~30 PINGs
    expect((await echoRPC(node.context({ timeoutMs: 5000 }), { value: "b" })).value).toBe("echo: b");
    expect(streams).toBe(1);
    expect(node.lastError).toBeUndefined();
  });
});

describe("server keepalive against a stopped client peer process", () => {
  let server: Server | undefined;
  const children: Array<ReturnType<typeof spawn>> = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill("SIGCONT");
      c.kill("SIGKILL");
    }
    await server?.stop();
    server = undefined;
  });

  /** A server tracking client peers, and one client peer in a child process, connected. */
  async function start(opts: ServerOptions): Promise<{ manager: InboundManager; child: ReturnType<typeof spawn> }> {
    requireDist();
    const manager = new InboundManager(0);
    server = new Server({ ...opts, inboundManager: manager });
    const addr = await server.listen("127.0.0.1:0");
    const child = spawn(process.execPath, [CLIENT_PEER, addr], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
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
