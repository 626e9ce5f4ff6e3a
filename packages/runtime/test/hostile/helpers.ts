/**
 * Helpers for hostile-input tests: one raw gRPC call over node:http2 that
 * writes whatever bytes it is given, stream.Message envelopes, a test-side
 * frame splitter, and a well-behaved client whose one stream must survive
 * every hostile case, with the server it watches.
 */
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { expect } from "vitest";
import { type Message, MessageSchema } from "../../src/gen/stream_pb.js";
import { type Configuration, newConfig, Server, type ServerOptions, withNodeList } from "../../src/index.js";
import { echoQC, echoRPC } from "../gen/testsvc/testsvc_gorums.js";
import { RequestSchema } from "../gen/testsvc/testsvc_pb.js";
import { cleanup, newState, registerTestService } from "../helpers/test-servers.js";

/** The request headers of a gRPC NodeStream. */
export const GRPC_REQUEST: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": "/stream.Gorums/NodeStream", "content-type": "application/grpc", te: "trailers" };

/** What a raw call saw. */
export interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** The RST_STREAM code the stream closed with (0: none, or NO_ERROR). */
  rstCode: number;
  /** grpc-status from the trailers, or from a trailers-only response. */
  grpcStatus: number | undefined;
}

/** How a raw call goes. */
export interface RawCallOptions {
  /** Request headers (default: a gRPC NodeStream). */
  headers?: http2.OutgoingHttpHeaders;
  /** Half-close after the chunks (default true). */
  end?: boolean;
  /** Wait for the first reply frame before writing the chunks after the first. */
  replyBeforeRest?: boolean;
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
}

/**
 * One raw call: opens a stream, writes `chunks` one per turn of the event
 * loop, half-closes, and waits for the stream to close.
 */
export async function rawCall(addr: string, chunks: Uint8Array[], opts: RawCallOptions = {}): Promise<RawResponse> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = http2.connect(`http://${addr}`);
  client.on("error", () => {});
  try {
    const req = client.request(opts.headers ?? GRPC_REQUEST, { endStream: false });
    req.on("error", () => {});
    const res: RawResponse = { headers: {}, trailers: {}, body: Buffer.alloc(0), rstCode: 0, grpcStatus: undefined };
    const parts: Buffer[] = [];
    let received = 0;
    let onData: (() => void) | undefined;
    req.on("response", (h) => (res.headers = h));
    req.on("trailers", (t) => (res.trailers = t));
    req.on("data", (d: Buffer) => {
      parts.push(d);
      received += d.byteLength;
      onData?.();
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`raw call still open after ${timeoutMs} ms`)), timeoutMs);
    });
    timedOut.catch(() => {});
    const done = new Promise<void>((resolve) => req.on("close", resolve));
    try {
      for (let i = 0; i < chunks.length; i++) {
        if (i === 1 && opts.replyBeforeRest === true) {
          // A whole frame: its 5-byte header says how long it is.
          const firstFrameIn = () => received >= 5 && received >= 5 + Buffer.concat(parts).readUInt32BE(1);
          await Promise.race([new Promise<void>((resolve) => (onData = () => firstFrameIn() && resolve())), timedOut]);
          onData = undefined;
        }
        req.write(chunks[i] as Uint8Array);
        await new Promise((r) => setImmediate(r));
      }
      if (opts.end ?? true) {
        req.end();
      }
      await Promise.race([done, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    res.body = Buffer.concat(parts);
    res.rstCode = req.rstCode ?? 0;
    const status = res.trailers["grpc-status"] ?? res.headers["grpc-status"];
    res.grpcStatus = status === undefined ? undefined : Number(status);
    return res;
  } finally {
    client.destroy();
  }
}

/** A serialized stream.Message envelope. */
export function envelope(seqNo: bigint, method: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return toBinary(MessageSchema, create(MessageSchema, { messageSeqNo: seqNo, method, payload }));
}

/** A serialized testsvc.Request. */
export function request(value: string, num = 0n): Uint8Array {
  return toBinary(RequestSchema, create(RequestSchema, { value, num }));
}

/** A gRPC frame: flag byte, 4-byte big-endian length, message. */
export function grpcFrame(message: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + message.byteLength);
  out[0] = flags;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
}

/** Splits a body of well-formed gRPC frames into messages. */
export function framesOf(body: Buffer): Message[] {
  const out: Message[] = [];
  for (let at = 0; at + 5 <= body.byteLength; ) {
    const len = body.readUInt32BE(at + 1);
    out.push(fromBinary(MessageSchema, body.subarray(at + 5, at + 5 + len)));
    at += 5 + len;
  }
  return out;
}

/**
 * A well-behaved client of one server: its configuration, and a check that
 * the server still answers it on the very stream it opened first (the
 * server counts the streams that carry the header `x-client: good`).
 */
export interface GoodClient {
  readonly config: Configuration;
  /** Expects an rpc and a quorum call to succeed, still on the first stream. */
  expectServed(tag: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects a well-behaved client to `addr`. `goodStreams` reads the
 * server's count of streams opened with `x-client: good` (pass it to the
 * Server's onConnect with `countGoodStreams`).
 */
export async function goodClient(addr: string, goodStreams: () => number): Promise<GoodClient> {
  const config = newConfig(withNodeList([addr]), { metadata: { "x-client": "good" } });
  const node = config.nodes()[0]!;
  const check = async (tag: string) => {
    expect((await echoRPC(node.context({ timeoutMs: 10_000 }), { value: tag })).value).toBe(`echo: ${tag}`);
    expect((await echoQC(config.context({ timeoutMs: 10_000 }), { value: tag }).all()).value).toBe(`echo: ${tag}`);
    expect(goodStreams()).toBe(1);
  };
  try {
    await check("hello");
  } catch (err) {
    await config.close();
    throw err;
  }
  return { config, expectServed: check, close: () => config.close() };
}

/** An onConnect that counts the streams of good clients into `counter.n`. */
function countGoodStreams(counter: { n: number }): (info: { header: Headers }) => void {
  return ({ header }) => {
    if (header.get("x-client") === "good") {
      counter.n++;
    }
  };
}

/** A TestService server under attack and the well-behaved client that watches it. */
export interface WatchedServer {
  readonly server: Server;
  readonly addr: string;
  readonly good: GoodClient;
  /** Closes the good client, then stops the server. */
  close(): Promise<void>;
}

/**
 * Starts a TestService server (node 1; `opts`, its onConnect counting the
 * streams of good clients) listening at `listenAt`, and connects a good
 * client to it. The caller closes it (in an afterAll, for a server that a
 * whole suite shares); in a test, use `testWatchedServer`.
 */
export async function startWatchedServer(opts: ServerOptions = {}, listenAt = "127.0.0.1:0"): Promise<WatchedServer> {
  const goodStreams = { n: 0 };
  const server = new Server({ ...opts, onConnect: countGoodStreams(goodStreams) });
  registerTestService(server, newState(), 1);
  const addr = await server.listen(listenAt);
  let good: GoodClient;
  try {
    good = await goodClient(addr, () => goodStreams.n);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    server,
    addr,
    good,
    async close() {
      await good.close();
      await server.stop();
    },
  };
}

/** startWatchedServer in a test: closed when the test ends. */
export async function testWatchedServer(opts: ServerOptions = {}): Promise<WatchedServer> {
  const s = await startWatchedServer(opts);
  cleanup(s.close);
  return s;
}
