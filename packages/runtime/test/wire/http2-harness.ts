/**
 * Test servers and clients for the node:http2 NodeStream tests: an HTTP/2
 * server on 127.0.0.1:0 (closing it destroys its sessions), echo servers
 * on our stream and on connect-node, and message helpers.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Gorums, type Message, MessageSchema } from "../../src/gen/stream_pb.js";
import type { BidiStream } from "../../src/wire/bidi-stream.js";
import { type AcceptedNodeStream, nodeStreamRequestListener } from "../../src/wire/grpc/node-stream-listener.js";
import { cleanup } from "../helpers/test-servers.js";

/** A running HTTP/2 server. */
export interface H2Server {
  readonly addr: string;
  readonly server: http2.Http2Server;
  /** Sessions opened so far (also closed ones). */
  readonly sessions: http2.ServerHttp2Session[];
  /** Closes the listener and destroys every session. */
  close(): Promise<void>;
}

/** Starts an HTTP/2 (h2c) server on 127.0.0.1:0; it is closed when the current test ends (if the test has not closed it). */
export async function startH2Server(setup: (server: http2.Http2Server) => void): Promise<H2Server> {
  const server = http2.createServer();
  const sessions: http2.ServerHttp2Session[] = [];
  server.on("session", (s) => sessions.push(s));
  setup(server);
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sessions) {
      s.destroy();
    }
    await closed;
  };
  cleanup(close);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { addr: `127.0.0.1:${port}`, server, sessions, close };
}

/** Echoes every message back on `stream`; ends the call when the client half-closes. */
export function echo(stream: BidiStream): void {
  void (async () => {
    try {
      for await (const msg of stream.receive()) {
        stream.send(msg).catch(() => {});
      }
      stream.close();
    } catch (err) {
      stream.close(err instanceof Error ? err : undefined);
    }
  })();
}

/** Echoes the first message back on `stream`, then ends the call with `err`. */
export function echoOnceThenFail(stream: BidiStream, err: Error): void {
  void (async () => {
    for await (const m of stream.receive()) {
      await stream.send(m);
      stream.close(err);
    }
  })().catch(() => {});
}

/**
 * Our server: NodeStreams (gRPC) served by our stream with `onStream`
 * (default: echo), everything else by connect-node (a Gorums echo handler,
 * reached with the Connect protocol).
 */
export async function startOurServer(onStream: (a: AcceptedNodeStream) => void = (a) => echo(a.stream), readMaxBytes?: number): Promise<H2Server> {
  const fallback = connectNodeAdapter({ routes: (router) => router.service(Gorums, { nodeStream: connectEcho }) });
  return startH2Server((server) => server.on("request", nodeStreamRequestListener(onStream, fallback, readMaxBytes === undefined ? {} : { readMaxBytes })));
}

/** A connect-node Gorums server; `handler` defaults to echo. */
export async function startConnectServer(
  handler: (requests: AsyncIterable<Message>) => AsyncIterable<Message> = connectEcho,
): Promise<H2Server> {
  const adapter = connectNodeAdapter({ routes: (router) => router.service(Gorums, { nodeStream: handler }) });
  return startH2Server((server) => server.on("request", adapter));
}

/** A connect-node bidi handler that echoes each request, tagging it "connect:". */
export async function* connectEcho(requests: AsyncIterable<Message>): AsyncIterable<Message> {
  for await (const m of requests) {
    yield create(MessageSchema, { ...m, method: `connect:${m.method}` });
  }
}

/** A request message numbered `seq`. */
export function msg(seq: number, payload: Uint8Array = new Uint8Array([seq & 0xff])): Message {
  return create(MessageSchema, { messageSeqNo: BigInt(seq), method: "test.Svc.Echo", payload });
}

/**
 * Takes every message of `stream` through `consume` until it ends, as drain
 * does through the iteration; `onMessage` sees each as it is delivered.
 */
export function consumed(stream: BidiStream, onMessage: (m: Message) => void = () => {}): Promise<{ messages: Message[]; error?: ConnectError }> {
  const messages: Message[] = [];
  return new Promise((resolve) => {
    stream.consume?.({
      message: (m) => {
        messages.push(m);
        onMessage(m);
      },
      end: (err) => resolve(err === undefined ? { messages } : { messages, error: ConnectError.from(err) }),
    });
  });
}

/** Reads `n` messages (fails if the stream ends first). */
export async function take(it: AsyncIterator<Message>, n: number): Promise<Message[]> {
  const out: Message[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done === true) {
      throw new Error(`stream ended after ${out.length} of ${n} messages`);
    }
    out.push(r.value);
  }
  return out;
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ConnectError) {
      return err;
    }
    throw new Error(`expected a ConnectError, got ${String(err)}`);
  }
  throw new Error("expected a rejection");
}

/** Drains an iteration, resolving with what it saw and how it ended. */
export async function drain(iter: AsyncIterable<Message>): Promise<{ messages: Message[]; error?: ConnectError }> {
  const messages: Message[] = [];
  try {
    for await (const m of iter) {
      messages.push(m);
    }
    return { messages };
  } catch (err) {
    return { messages, error: err instanceof ConnectError ? err : ConnectError.from(err) };
  }
}

