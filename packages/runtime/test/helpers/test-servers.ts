/**
 * Real TestService servers for integration tests: started on 127.0.0.1 port 0,
 * with the handlers registered through the generated registerTestServiceServer.
 * Everything started here is stopped or closed when the test that started it
 * ends (vitest's onTestFinished, last started first), as Go's
 * TestConfiguration with t.Cleanup: tests need no afterEach of their own.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { onTestFinished } from "vitest";
import { type Configuration, type ManagerOptions, newConfig, type NodeListOption, Server, type ServerOptions, withNodeList } from "../../src/index.js";
import { testServers } from "../../src/testing/index.js";
import { registerTestServiceServer, type TestServiceServer } from "../gen/testsvc/testsvc_gorums.js";
import type { Request } from "../gen/testsvc/testsvc_pb.js";
import { sleep } from "./wait.js";

/** What a test server saw and how it behaves. */
export interface TestServerState {
  /** Values written by Write/WriteUnicast, in arrival order. */
  readonly writes: string[];
  /** Numbers seen by every method, in arrival order. */
  readonly nums: bigint[];
  /** Delay before Echo* answers, in ms. */
  delayMs: number;
  /** Number of replies EchoStream sends. */
  streamReplies: number;
}

/** A running test server. */
export interface TestServer {
  readonly server: Server;
  readonly addr: string;
  readonly state: TestServerState;
}

/**
 * Registers the TestService handlers through the generated
 * registerTestServiceServer: Echo* reply "echo: <value>" with num = `id` (or
 * throw on "fail:<code>", a plain Error for code 0) — synchronously when
 * `state.delayMs` is 0, after a promise otherwise; "fail-async:<code>"
 * always fails through a rejected promise — EchoStream sends
 * `state.streamReplies` replies "echo: <value>-<i>" with num = i, Write and
 * WriteUnicast record value and num.
 */
export function registerTestService(server: Server, state: TestServerState, id: number): void {
  const answer = (req: Request) => {
    if (req.value.startsWith("fail:") || req.value.startsWith("fail-async:")) {
      const code = Number(req.value.slice(req.value.indexOf(":") + 1));
      if (code === 0) {
        throw new Error("plain failure");
      }
      throw new ConnectError(`failure ${code}`, code as Code);
    }
    return { value: `echo: ${req.value}`, num: BigInt(id) };
  };
  // Without a delay the reply (or the throw) is synchronous — the dispatcher's
  // promise-free path; with one, a promise — the awaited path.
  const echo = (req: Request, signal?: AbortSignal) => {
    state.nums.push(req.num);
    if (state.delayMs > 0 || req.value.startsWith("fail-async:")) {
      return sleep(state.delayMs, signal).then(() => answer(req));
    }
    return answer(req);
  };
  const record = (req: Request) => {
    state.writes.push(req.value);
    state.nums.push(req.num);
  };
  const impl: TestServiceServer = {
    echo: (ctx, req) => echo(req, ctx.signal),
    echoRPC: (ctx, req) => echo(req, ctx.signal),
    echoQC: (ctx, req) => echo(req, ctx.signal),
    async echoStream(_ctx, req, send) {
      for (let i = 1; i <= state.streamReplies; i++) {
        await send({ value: `echo: ${req.value}-${i}`, num: BigInt(i) });
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    write: (_ctx, req) => record(req),
    writeUnicast: (_ctx, req) => record(req),
  };
  registerTestServiceServer(server, impl);
}

/**
 * Runs each of `fns` when the current test ends, after its afterEach hooks;
 * what is registered last runs first (the last of `fns` before the first). Only inside a test (or its beforeEach).
 */
export function cleanup(...fns: Array<() => unknown>): void {
  for (const fn of fns) {
    onTestFinished(async () => {
      await fn();
    });
  }
}

/** A fresh server state: no writes, no delay, three stream replies. */
export function newState(): TestServerState {
  return { writes: [], nums: [], delayMs: 0, streamReplies: 3 };
}

/** A new Server (not yet listening), stopped when the test ends. */
export function testServer(opts?: ServerOptions): Server {
  const server = new Server(opts);
  cleanup(() => server.stop());
  return server;
}

/** Starts `n` test servers on 127.0.0.1, port 0; they stop when the test ends. */
export function startTestServers(n: number, opts: ServerOptions = {}): Promise<TestServer[]> {
  return startServersWith(n, (server, state, id) => registerTestService(server, state, id), opts);
}

/**
 * Starts `n` servers on 127.0.0.1, port 0, each with what `register` puts
 * on it (IDs 1..n); they stop when the test ends.
 */
export async function startServersWith(n: number, register: (server: Server, state: TestServerState, id: number) => void, opts: ServerOptions = {}): Promise<TestServer[]> {
  const servers: TestServer[] = [];
  cleanup(() => stopAll(servers));
  for (let i = 0; i < n; i++) {
    const server = new Server(opts);
    const state = newState();
    servers.push({ server, addr: "", state });
    register(server, state, i + 1);
    const addr = await server.listen("127.0.0.1:0");
    servers[i] = { server, addr, state };
  }
  return servers;
}

/** Stops every server (again, if the test stopped them already). */
export async function stopAll(servers: readonly TestServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.server.stop()));
}

/** newConfig, closed when the test ends. */
export function testConfig(list: NodeListOption, opts?: ManagerOptions): Configuration {
  const config = newConfig(list, opts);
  cleanup(() => config.close());
  return config;
}

/** A configuration of the servers, in order (node i+1 is servers[i]), closed when the test ends. */
export function configOf(servers: readonly TestServer[], opts?: ManagerOptions): Configuration {
  return testConfig(withNodeList(servers.map((s) => s.addr)), opts);
}

/**
 * `n` test servers and a configuration over them (@gorums/runtime/testing's
 * testServers, with each server's TestServerState), all gone when the test
 * ends: the configuration closed first, then the servers stopped.
 */
export async function testCluster(
  n: number,
  opts: { server?: ServerOptions; manager?: ManagerOptions; register?: (server: Server, state: TestServerState, id: number) => void } = {},
): Promise<{ servers: TestServer[]; config: Configuration }> {
  const states = Array.from({ length: n }, newState);
  const register = opts.register ?? registerTestService;
  const started = await testServers(n, (server, i) => register(server, states[i]!, i + 1), {
    ...(opts.server !== undefined ? { server: opts.server } : {}),
    ...(opts.manager !== undefined ? { manager: opts.manager } : {}),
    onCleanup: cleanup,
  });
  return { servers: started.servers.map((server, i) => ({ server, addr: started.addrs[i]!, state: states[i]! })), config: started.config };
}
