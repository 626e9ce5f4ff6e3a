/**
 * Real TestService servers for integration tests: started on 127.0.0.1 port 0,
 * with the handlers registered through the generated registerTestServiceServer.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { Server, type ServerOptions } from "../../src/index.js";
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

/** Starts `n` test servers on 127.0.0.1, port 0. */
export function startTestServers(n: number, opts: ServerOptions = {}): Promise<TestServer[]> {
  return startServersWith(n, (server, state, id) => registerTestService(server, state, id), opts);
}

/** Starts `n` servers on 127.0.0.1, port 0, each with what `register` puts on it (IDs 1..n). */
export async function startServersWith(n: number, register: (server: Server, state: TestServerState, id: number) => void, opts: ServerOptions = {}): Promise<TestServer[]> {
  const servers: TestServer[] = [];
  for (let i = 0; i < n; i++) {
    const server = new Server(opts);
    const state: TestServerState = { writes: [], nums: [], delayMs: 0, streamReplies: 3 };
    register(server, state, i + 1);
    const addr = await server.listen("127.0.0.1:0");
    servers.push({ server, addr, state });
  }
  return servers;
}

/** Stops every server. */
export async function stopAll(servers: readonly TestServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.server.stop()));
}
