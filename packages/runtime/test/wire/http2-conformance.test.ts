/**
 * Conformance of the node:http2 NodeStream with other gRPC implementations
 * and with malformed peers: our client ↔ a connect-node server, a
 * connect-node gRPC client ↔ our server, an @grpc/grpc-js client ↔ our
 * server, ordinary Connect requests routed past our stream to connect-node
 * on the same server; and raw HTTP/2 peers sending trailers-only
 * responses, frames split across chunks, many frames in one chunk, the
 * compressed flag, garbage, a wrong content type, a compressed encoding,
 * and a grpc-timeout.
 */
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { Gorums, type Message, MessageSchema } from "../../src/gen/stream_pb.js";
import type { StreamDialer } from "../../src/wire/channel.js";
import { encodeFrame, encodeFrames } from "../../src/wire/grpc/grpc-frame.js";
import { http2StreamDialer } from "../../src/wire/grpc/http2-stream-dialer.js";
import type { AcceptedNodeStream } from "../../src/wire/grpc/node-stream-listener.js";
import { drain, echo, echoOnceThenFail, type H2Server, msg, startConnectServer, startH2Server, startOurServer, take } from "./http2-harness.js";
import { waitUntil } from "../helpers/wait.js";
import { cleanup } from "../helpers/test-servers.js";

const GRPC_REQUEST = { ":method": "POST", ":path": "/stream.Gorums/NodeStream", "content-type": "application/grpc", te: "trailers" } as const;

/** A raw HTTP/2 response as seen by a raw client. */
interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** Between two writes of `rawCall`: wait until the response body holds `replyBytes` bytes. */
interface AwaitReply {
  readonly replyBytes: number;
}

/**
 * Sends `chunks` (one write each, a tick apart) on a raw gRPC request and
 * reads the whole response. An `AwaitReply` step waits for the server's
 * replies before the next write: how node:http2 coalesces a client's writes
 * into DATA frames and socket reads differs between Node versions, so a test
 * that needs the server to have answered a message before it sees the next
 * bytes says so instead of relying on a tick.
 */
async function rawCall(addr: string, chunks: Array<Buffer | AwaitReply>, headers: http2.OutgoingHttpHeaders = GRPC_REQUEST, end = true): Promise<RawResponse> {
  const client = http2.connect(`http://${addr}`);
  client.on("error", () => {});
  try {
    const req = client.request(headers, { endStream: false });
    req.on("error", () => {});
    const res: RawResponse = { headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const parts: Buffer[] = [];
    let received = 0;
    let onData = (): void => {};
    req.on("response", (h) => (res.headers = h));
    req.on("trailers", (t) => (res.trailers = t));
    req.on("data", (d: Buffer) => {
      parts.push(d);
      received += d.byteLength;
      onData();
    });
    const done = new Promise<void>((resolve) => req.on("close", resolve));
    for (const c of chunks) {
      if (Buffer.isBuffer(c)) {
        req.write(c);
        await new Promise((r) => setImmediate(r));
        continue;
      }
      await Promise.race([
        done,
        new Promise<void>((resolve) => {
          onData = () => received >= c.replyBytes && resolve();
          onData();
        }),
      ]);
      onData = () => {};
    }
    if (end) {
      req.end();
    }
    await done;
    res.body = Buffer.concat(parts);
    return res;
  } finally {
    client.destroy();
  }
}

/** Splits a body of gRPC frames into messages (test-side decoder, deliberately simple). */
function framesOf(body: Buffer): Message[] {
  const out: Message[] = [];
  for (let at = 0; at < body.byteLength; ) {
    const len = body.readUInt32BE(at + 1);
    out.push(fromBinary(MessageSchema, body.subarray(at + 5, at + 5 + len)));
    at += 5 + len;
  }
  return out;
}

describe("http2 NodeStream conformance", () => {
  function dialer(addr: string, readMaxBytes?: number): StreamDialer {
    const d = http2StreamDialer({ address: addr, headers: new Headers({ "x-test": "1" }), ...(readMaxBytes !== undefined ? { readMaxBytes } : {}) });
    cleanup(() => d.close());
    return d;
  }

  describe("our client ↔ connect-node server", () => {
    it("echoes pipelined messages in order and ends cleanly", async () => {
      const s = await startConnectServer();
      const stream = await dialer(s.addr).dial();
      const n = 2000;
      for (let i = 1; i <= n; i++) {
        void stream.send(msg(i));
      }
      const got = await take(stream.receive()[Symbol.asyncIterator](), n);
      expect(got.map((m) => Number(m.messageSeqNo))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(got[0]?.method).toBe("connect:test.Svc.Echo");
      stream.close();
    });

    it("ends the iteration cleanly when the handler returns, and with its ConnectError when it throws", async () => {
      const s = await startConnectServer(async function* (requests) {
        for await (const m of requests) {
          if (m.messageSeqNo === 3n) {
            return;
          }
          if (m.messageSeqNo === 13n) {
            throw new ConnectError("refused: 100% ünïcode", Code.FailedPrecondition);
          }
          yield m;
        }
      });
      const ok = await dialer(s.addr).dial();
      for (const i of [1, 2, 3]) {
        void ok.send(msg(i));
      }
      const a = await drain(ok.receive());
      expect(a.error).toBeUndefined();
      expect(a.messages.map((m) => m.messageSeqNo)).toEqual([1n, 2n]);
      ok.close();

      const failing = await dialer(s.addr).dial();
      void failing.send(msg(12));
      void failing.send(msg(13));
      const b = await drain(failing.receive());
      expect(b.messages.map((m) => m.messageSeqNo)).toEqual([12n]);
      expect(b.error?.code).toBe(Code.FailedPrecondition);
      expect(b.error?.rawMessage).toBe("refused: 100% ünïcode");
      failing.close();
    });

    it("connect-node's handler sees a Canceled call when our client cancels", async () => {
      let seen: unknown;
      let entered = false;
      const s = await startConnectServer(async function* (requests) {
        entered = true;
        try {
          for await (const m of requests) {
            yield m;
          }
          seen = "clean end";
        } catch (err) {
          seen = err;
        }
      });
      const stream = await dialer(s.addr).dial();
      await stream.send(msg(1));
      await take(stream.receive()[Symbol.asyncIterator](), 1);
      expect(entered).toBe(true);
      stream.close(new ConnectError("bye", Code.Canceled));
      await waitUntil(() => seen !== undefined);
      // connect-node reports the reset as a plain "Premature close" error.
      expect(seen).toBeInstanceOf(Error);
    });
  });

  describe("connect-node gRPC client ↔ our server", () => {
    function connectClient(addr: string) {
      const sessionManager = new Http2SessionManager(`http://${addr}`);
      cleanup(() => sessionManager.abort());
      return createClient(Gorums, createGrpcTransport({ baseUrl: `http://${addr}`, sessionManager }));
    }

    it("echoes in order, with the request headers delivered", async () => {
      let accepted: AcceptedNodeStream | undefined;
      const s = await startOurServer((a) => {
        accepted = a;
        echo(a.stream);
      });
      const client = connectClient(s.addr);
      const n = 500;
      async function* requests() {
        for (let i = 1; i <= n; i++) {
          yield msg(i);
        }
      }
      const got: bigint[] = [];
      for await (const r of client.nodeStream(requests(), { headers: { "gorums-node-id": "3" } })) {
        got.push(r.messageSeqNo);
      }
      expect(got).toEqual(Array.from({ length: n }, (_, i) => BigInt(i + 1)));
      expect(accepted?.headers.get("gorums-node-id")).toBe("3");
    });

    it("sees the status our server closes with, message decoded", async () => {
      const s = await startOurServer((a) => echoOnceThenFail(a.stream, new ConnectError("no entry: 100% ✓", Code.PermissionDenied)));
      const client = connectClient(s.addr);
      async function* requests() {
        yield msg(1);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const got: bigint[] = [];
      const err = await (async () => {
        try {
          for await (const r of client.nodeStream(requests())) {
            got.push(r.messageSeqNo);
          }
        } catch (e) {
          return ConnectError.from(e);
        }
        return undefined;
      })();
      expect(got).toEqual([1n]);
      expect(err?.code).toBe(Code.PermissionDenied);
      expect(err?.rawMessage).toBe("no entry: 100% ✓");
    });

    it("ordinary Connect requests on the same server go to connect-node (the fallback)", async () => {
      let ours = 0;
      const s = await startOurServer((a) => {
        ours++;
        a.stream.close();
      });
      const sessionManager = new Http2SessionManager(`http://${s.addr}`);
      cleanup(() => sessionManager.abort());
      const client = createClient(Gorums, createConnectTransport({ baseUrl: `http://${s.addr}`, httpVersion: "2", sessionManager }));
      async function* requests() {
        yield msg(1);
        yield msg(2);
      }
      const got: Message[] = [];
      for await (const r of client.nodeStream(requests())) {
        got.push(r);
      }
      expect(got.map((m) => m.method)).toEqual(["connect:test.Svc.Echo", "connect:test.Svc.Echo"]);
      expect(ours).toBe(0);
      // And an unknown path is connect-node's 404, not ours.
      const res = await rawCall(s.addr, [], { ...GRPC_REQUEST, ":path": "/other.Svc/Method" });
      expect(res.headers[":status"]).toBe(404);
      expect(ours).toBe(0);
    });
  });

  describe("@grpc/grpc-js client ↔ our server", () => {
    function grpcCall(addr: string, metadata = new grpc.Metadata()) {
      const client = new grpc.Client(addr, grpc.credentials.createInsecure());
      cleanup(() => client.close());
      return client.makeBidiStreamRequest(
        "/stream.Gorums/NodeStream",
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        metadata,
      );
    }

    function outcome(call: grpc.ClientDuplexStream<Uint8Array, Buffer>): Promise<{ messages: Message[]; status: grpc.StatusObject }> {
      const messages: Message[] = [];
      call.on("data", (b: Buffer) => messages.push(fromBinary(MessageSchema, b)));
      call.on("error", () => {});
      return new Promise((resolve) => call.on("status", (status: grpc.StatusObject) => resolve({ messages, status })));
    }

    it("echoes in order and ends with status OK after the client half-closes", async () => {
      let accepted: AcceptedNodeStream | undefined;
      const s = await startOurServer((a) => {
        accepted = a;
        echo(a.stream);
      });
      const md = new grpc.Metadata();
      md.set("gorums-node-id", "0");
      const call = grpcCall(s.addr, md);
      const result = outcome(call);
      const n = 1000;
      for (let i = 1; i <= n; i++) {
        call.write(toBinary(MessageSchema, msg(i)));
      }
      call.end();
      const { messages, status } = await result;
      expect(status.code).toBe(grpc.status.OK);
      expect(messages.map((m) => Number(m.messageSeqNo))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(accepted?.headers.get("gorums-node-id")).toBe("0");
      expect(accepted?.headers.get("content-type")).toBe("application/grpc");
    });

    it("gets our server's error status with the decoded message", async () => {
      const s = await startOurServer((a) => {
        void (async () => {
          for await (const _ of a.stream.receive()) {
            a.stream.close(new ConnectError("slow down, 50% ünïcode", Code.ResourceExhausted));
          }
        })().catch(() => {});
      });
      const call = grpcCall(s.addr);
      const result = outcome(call);
      call.write(toBinary(MessageSchema, msg(1)));
      const { status } = await result;
      expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(status.details).toBe("slow down, 50% ünïcode");
    });

    it("a grpc-js cancel ends our server's receive", async () => {
      let serverSide: Promise<{ messages: Message[]; error?: ConnectError }> | undefined;
      const s = await startOurServer((a) => {
        serverSide = drain(a.stream.receive());
      });
      const call = grpcCall(s.addr);
      const result = outcome(call);
      call.write(toBinary(MessageSchema, msg(1)));
      await waitUntil(() => serverSide !== undefined);
      await new Promise((r) => setTimeout(r, 20));
      call.cancel();
      expect((await result).status.code).toBe(grpc.status.CANCELLED);
      // grpc-js cancels with node's stream.close(CANCEL), which half-closes
      // before the reset: the server may see a clean end or Canceled.
      const { messages, error } = await serverSide!;
      expect(messages.map((m) => m.messageSeqNo)).toEqual([1n]);
      expect(error === undefined || error.code === Code.Canceled).toBe(true);
    });
  });

  describe("our client ↔ raw HTTP/2 servers", () => {
    function rawServer(onStream: (stream: http2.ServerHttp2Stream) => void): Promise<H2Server> {
      return startH2Server((srv) => srv.on("stream", onStream));
    }

    it("a trailers-only response (status in the headers) throws that code", async () => {
      const s = await rawServer((st) => st.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "no%20such%20node" }, { endStream: true }));
      const stream = await dialer(s.addr).dial();
      const { error } = await drain(stream.receive());
      expect(error?.code).toBe(Code.NotFound);
      expect(error?.rawMessage).toBe("no such node");
    });

    it("a trailers-only OK ends the iteration cleanly", async () => {
      const s = await rawServer((st) => st.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "0" }, { endStream: true }));
      const stream = await dialer(s.addr).dial();
      const { messages, error } = await drain(stream.receive());
      expect(error).toBeUndefined();
      expect(messages).toEqual([]);
    });

    it("reads frames split across DATA frames and many frames packed in one", async () => {
      const msgs = Array.from({ length: 50 }, (_, i) => msg(i + 1, new Uint8Array(i * 3)));
      const wire = encodeFrames(msgs.map((m) => toBinary(MessageSchema, m)));
      const s = await rawServer((st) => {
        st.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
        st.on("wantTrailers", () => st.sendTrailers({ "grpc-status": "0" }));
        void (async () => {
          // Byte-sized pieces first, then everything else in one write.
          for (let i = 0; i < 40; i++) {
            st.write(wire.subarray(i, i + 1));
            await new Promise((r) => setImmediate(r));
          }
          st.end(wire.subarray(40));
        })();
      });
      const stream = await dialer(s.addr).dial();
      const { messages, error } = await drain(stream.receive());
      expect(error).toBeUndefined();
      expect(messages.map((m) => m.messageSeqNo)).toEqual(msgs.map((m) => m.messageSeqNo));
      expect(messages.map((m) => m.payload.byteLength)).toEqual(msgs.map((m) => m.payload.byteLength));
    });

    for (const [name, body, code] of [
      ["the compressed flag", Buffer.from([1, 0, 0, 0, 2, 8, 1]), Code.Internal],
      ["garbage flags", Buffer.from("GET / HTTP/1.1\r\n\r\n"), Code.Internal],
      ["undecodable protobuf", encodeFrame(new Uint8Array([0xff, 0xff, 0xff])), Code.Internal],
      ["an oversized frame", Buffer.from([0, 0, 0x10, 0, 0]), Code.ResourceExhausted],
    ] as const) {
      it(`${name} fails the iteration with ${Code[code]} and cancels the stream`, async () => {
        let reset: number | undefined;
        const s = await rawServer((st) => {
          st.on("close", () => (reset = st.rstCode));
          st.on("error", () => {});
          st.respond({ ":status": 200, "content-type": "application/grpc" });
          st.write(encodeFrame(toBinary(MessageSchema, msg(1))));
          st.write(body);
        });
        const stream = await dialer(s.addr, 1024).dial();
        const { messages, error } = await drain(stream.receive());
        expect(messages.map((m) => m.messageSeqNo)).toEqual([1n]);
        expect(error?.code).toBe(code);
        await waitUntil(() => reset !== undefined);
        expect(reset).toBe(http2.constants.NGHTTP2_CANCEL);
      });
    }

    it("a stream ended without grpc-status is an error", async () => {
      const s = await rawServer((st) => {
        st.respond({ ":status": 200, "content-type": "application/grpc" });
        st.end(encodeFrame(toBinary(MessageSchema, msg(1))));
      });
      const stream = await dialer(s.addr).dial();
      const { messages, error } = await drain(stream.receive());
      expect(messages.map((m) => m.messageSeqNo)).toEqual([1n]);
      expect(error).toBeInstanceOf(ConnectError);
    });

    it("HTTP 503 maps to Unavailable, a non-gRPC content type to Unknown", async () => {
      const s = await rawServer((st) => st.respond({ ":status": 503 }, { endStream: true }));
      const a = await dialer(s.addr).dial();
      expect((await drain(a.receive())).error?.code).toBe(Code.Unavailable);
      const t = await rawServer((st) => st.respond({ ":status": 200, "content-type": "text/html" }, { endStream: true }));
      const b = await dialer(t.addr).dial();
      expect((await drain(b.receive())).error?.code).toBe(Code.Unknown);
    });

    it("a stream reset by the server with CANCEL throws Canceled; with REFUSED_STREAM Unavailable", async () => {
      let code: number = http2.constants.NGHTTP2_CANCEL;
      const s = await rawServer((st) => {
        st.on("error", () => {});
        st.respond({ ":status": 200, "content-type": "application/grpc" });
        setTimeout(() => st.close(code), 10);
      });
      const a = await dialer(s.addr).dial();
      expect((await drain(a.receive())).error?.code).toBe(Code.Canceled);
      code = http2.constants.NGHTTP2_REFUSED_STREAM;
      const b = await dialer(s.addr).dial();
      expect((await drain(b.receive())).error?.code).toBe(Code.Unavailable);
    });
  });

  describe("raw HTTP/2 clients ↔ our server", () => {
    async function ourServer(readMaxBytes?: number): Promise<{ s: H2Server; streams: Array<Promise<{ messages: Message[]; error?: ConnectError }>> }> {
      const streams: Array<Promise<{ messages: Message[]; error?: ConnectError }>> = [];
      const s = await startOurServer((a) => {
        a.stream.open?.(); // adopted at once, as a Server does
        streams.push(
          (async () => {
            const messages: Message[] = [];
            try {
              for await (const m of a.stream.receive()) {
                messages.push(m);
                // Rejects once the stream failed (a reply to a message that came with the bad frame).
                a.stream.send(create(MessageSchema, { ...m, method: "ours" })).catch(() => {});
              }
              a.stream.close();
              return { messages };
            } catch (err) {
              a.stream.close(err as Error);
              return { messages, error: err as ConnectError };
            }
          })(),
        );
      }, readMaxBytes);
      return { s, streams };
    }

    it("answers with :status 200 and application/grpc once adopted, before any message", async () => {
      const { s } = await ourServer();
      const client = http2.connect(`http://${s.addr}`);
      client.on("error", () => {});
      try {
        const req = client.request(GRPC_REQUEST, { endStream: false });
        req.on("error", () => {});
        const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => req.on("response", resolve));
        expect(headers[":status"]).toBe(200);
        expect(headers["content-type"]).toBe("application/grpc");
        expect(headers["grpc-status"]).toBeUndefined();
      } finally {
        client.destroy();
      }
    });

    it("reads frames split byte by byte and many frames in one chunk; ends with grpc-status 0", async () => {
      const { s, streams } = await ourServer();
      const msgs = Array.from({ length: 30 }, (_, i) => msg(i + 1, new Uint8Array(i)));
      const wire = encodeFrames(msgs.map((m) => toBinary(MessageSchema, m)));
      const chunks = [...Array.from({ length: 12 }, (_, i) => wire.subarray(i, i + 1)), wire.subarray(12)];
      const res = await rawCall(s.addr, chunks);
      expect(res.headers[":status"]).toBe(200);
      expect(res.trailers["grpc-status"]).toBe("0");
      expect(framesOf(res.body).map((m) => m.messageSeqNo)).toEqual(msgs.map((m) => m.messageSeqNo));
      const seen = await streams[0]!;
      expect(seen.error).toBeUndefined();
      expect(seen.messages.map((m) => m.payload.byteLength)).toEqual(msgs.map((m) => m.payload.byteLength));
    });

    for (const [name, body, code] of [
      ["the compressed flag", Buffer.from([1, 0, 0, 0, 2, 8, 1]), Code.Internal],
      ["garbage", Buffer.from("\x80garbage that is not a gRPC frame"), Code.Internal],
      ["an oversized frame", Buffer.from([0, 0, 0, 0x10, 0]), Code.ResourceExhausted],
    ] as const) {
      it(`${name} ends the call with grpc-status ${Code[code]}, after the replies already sent`, async () => {
        const { s, streams } = await ourServer(1024);
        const first = encodeFrame(toBinary(MessageSchema, msg(1)));
        const reply = encodeFrame(toBinary(MessageSchema, create(MessageSchema, { ...msg(1), method: "ours" })));
        const res = await rawCall(s.addr, [first, { replyBytes: reply.byteLength }, body], GRPC_REQUEST, false);
        expect(res.trailers["grpc-status"]).toBe(String(code));
        expect(framesOf(res.body).map((m) => m.messageSeqNo)).toEqual([1n]);
        const seen = await streams[0]!;
        expect(seen.messages.map((m) => m.messageSeqNo)).toEqual([1n]);
        expect(seen.error?.code).toBe(code);
      });

      it(`${name} right behind a good frame in one write: the good one is still delivered, then grpc-status ${Code[code]}`, async () => {
        const { s, streams } = await ourServer(1024);
        const res = await rawCall(s.addr, [Buffer.concat([encodeFrame(toBinary(MessageSchema, msg(1))), body])], GRPC_REQUEST, false);
        expect(res.trailers["grpc-status"]).toBe(String(code));
        const seen = await streams[0]!;
        expect(seen.messages.map((m) => m.messageSeqNo)).toEqual([1n]);
        expect(seen.error?.code).toBe(code);
      });
    }

    it("a wrong content type on the NodeStream path is not ours: connect-node answers 415", async () => {
      const { s, streams } = await ourServer();
      const res = await rawCall(s.addr, [], { ...GRPC_REQUEST, "content-type": "text/plain" });
      expect(res.headers[":status"]).toBe(415);
      expect(streams.length).toBe(0);
    });

    it("serveNodeStream itself refuses a wrong content type with 415 and grpc-status InvalidArgument", async () => {
      const { serveNodeStream } = await import("../../src/wire/grpc/node-stream-listener.js");
      let served: unknown = "not called";
      const s = await startH2Server((srv) => srv.on("stream", (st, headers) => (served = serveNodeStream(st, headers))));
      const res = await rawCall(s.addr, [Buffer.from("x")], { ...GRPC_REQUEST, "content-type": "application/json" });
      expect(res.headers[":status"]).toBe(415);
      expect(res.headers["grpc-status"]).toBe(String(Code.InvalidArgument));
      expect(served).toBeUndefined();
    });

    it("a compressed request encoding is Unimplemented", async () => {
      const { s, streams } = await ourServer();
      const res = await rawCall(s.addr, [], { ...GRPC_REQUEST, "grpc-encoding": "gzip" });
      expect(res.headers[":status"]).toBe(200);
      expect(res.headers["grpc-status"]).toBe(String(Code.Unimplemented));
      expect(streams.length).toBe(0);
    });

    it("honours grpc-timeout: the call ends with DeadlineExceeded", async () => {
      const { s, streams } = await ourServer();
      const res = await rawCall(s.addr, [encodeFrame(toBinary(MessageSchema, msg(1)))], { ...GRPC_REQUEST, "grpc-timeout": "50m" }, false);
      expect(res.trailers["grpc-status"]).toBe(String(Code.DeadlineExceeded));
      expect((await streams[0]!).error?.code).toBe(Code.DeadlineExceeded);
    });
  });
});
