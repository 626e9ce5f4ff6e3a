import { Code, ConnectError } from "@connectrpc/connect";
import { Server, type ServerOptions, oneWayHandler, streamHandler, twoWayHandler } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";

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

/** Registers the TestService handlers: Echo* reply "echo: <value>" (or throw on "fail:<code>"). */
export function registerTestService(server: Server, state: TestServerState, id: number): void {
  const echo = async (req: { value: string; num: bigint }, signal?: AbortSignal) => {
    state.nums.push(req.num);
    if (state.delayMs > 0) {
      await sleep(state.delayMs, signal);
    }
    if (req.value.startsWith("fail:")) {
      const code = Number(req.value.slice(5));
      if (code === 0) {
        throw new Error("plain failure");
      }
      throw new ConnectError(`failure ${code}`, code as Code);
    }
    return { value: `echo: ${req.value}`, num: BigInt(id) };
  };
  server.registerHandler("testsvc.TestService.Echo", twoWayHandler(TestService.method.echo, (ctx, req) => echo(req, ctx.signal)));
  server.registerHandler("testsvc.TestService.EchoRPC", twoWayHandler(TestService.method.echoRPC, (ctx, req) => echo(req, ctx.signal)));
  server.registerHandler("testsvc.TestService.EchoQC", twoWayHandler(TestService.method.echoQC, (ctx, req) => echo(req, ctx.signal)));
  server.registerHandler(
    "testsvc.TestService.EchoStream",
    streamHandler(TestService.method.echoStream, async (_ctx, req, send) => {
      for (let i = 1; i <= state.streamReplies; i++) {
        await send({ value: `echo: ${req.value}-${i}`, num: BigInt(i) });
        await new Promise((r) => setTimeout(r, 10));
      }
    }),
  );
  server.registerHandler(
    "testsvc.TestService.Write",
    oneWayHandler(TestService.method.write, (_ctx, req) => {
      state.writes.push(req.value);
      state.nums.push(req.num);
    }),
  );
  server.registerHandler(
    "testsvc.TestService.WriteUnicast",
    oneWayHandler(TestService.method.writeUnicast, (_ctx, req) => {
      state.writes.push(req.value);
      state.nums.push(req.num);
    }),
  );
}

/**
 * Waits `ms`, or less when `signal` aborts (the stream ended or the server
 * stopped), so a stopped server leaves no long handler timers behind.
 */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Starts `n` test servers on 127.0.0.1, port 0. */
export async function startTestServers(n: number, opts: ServerOptions = {}): Promise<TestServer[]> {
  const servers: TestServer[] = [];
  for (let i = 0; i < n; i++) {
    const server = new Server(opts);
    const state: TestServerState = { writes: [], nums: [], delayMs: 0, streamReplies: 3 };
    registerTestService(server, state, i + 1);
    const addr = await server.listen("127.0.0.1:0");
    servers.push({ server, addr, state });
  }
  return servers;
}

/** Stops every server. */
export async function stopAll(servers: readonly TestServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.server.stop()));
}
