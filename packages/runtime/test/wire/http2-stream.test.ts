/**
 * The NodeStream on node:http2 (http2StreamDialer / serveNodeStream /
 * nodeStreamRequestListener) between our own client and server: echo in
 * order, thousands of pipelined messages, session reuse and re-creation
 * after GOAWAY, dial failure (Unavailable), half-close and cancel in both
 * directions, non-zero grpc-status from the server, session loss
 * (Unavailable on both ends), backpressure, grpc-timeout, oversized
 * messages in both directions, the request headers and peer address the
 * server hands on, and TLS (when openssl is there to make a certificate).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { toBinary } from "@bufbuild/protobuf";
import { type Message, MessageSchema } from "../../src/gen/stream_pb.js";
import type { StreamDialer } from "../../src/wire/channel.js";
import { encodeFrame } from "../../src/wire/grpc/grpc-frame.js";
import { http2StreamDialer } from "../../src/wire/grpc/http2-stream-dialer.js";
import { type AcceptedNodeStream, nodeStreamRequestListener } from "../../src/wire/grpc/node-stream-listener.js";
import { consumed, drain, echo, echoOnceThenFail, type H2Server, msg, rejection, startOurServer, take } from "./http2-harness.js";
import { cleanup } from "../helpers/test-servers.js";
import { waitUntil } from "../helpers/wait.js";

describe("http2 NodeStream: our client ↔ our server", () => {
  /** A dialer to `server`, closed when the test ends (the server too: http2-harness). */
  function dial(server: H2Server, headers: Headers = new Headers(), readMaxBytes?: number): StreamDialer {
    const d = http2StreamDialer({ address: server.addr, headers, ...(readMaxBytes !== undefined ? { readMaxBytes } : {}) });
    cleanup(() => d.close());
    return d;
  }

  it("echoes messages in order; a client close half-closes: the server's receive ends cleanly", async () => {
    let serverEnd: Promise<{ messages: Message[]; error?: ConnectError }> | undefined;
    const server = await startOurServer((a) => {
      serverEnd = (async () => {
        const messages: Message[] = [];
        try {
          for await (const m of a.stream.receive()) {
            messages.push(m);
            await a.stream.send(m);
          }
          a.stream.close();
          return { messages };
        } catch (err) {
          return { messages, error: err as ConnectError };
        }
      })();
    });
    const stream = await dial(server).dial();
    const it = stream.receive()[Symbol.asyncIterator]();
    for (let i = 1; i <= 3; i++) {
      await stream.send(msg(i));
      const [r] = await take(it, 1);
      expect(r?.messageSeqNo).toBe(BigInt(i));
      expect(r?.method).toBe("test.Svc.Echo");
      expect([...(r?.payload ?? [])]).toEqual([i]);
    }
    stream.close();
    const s = await serverEnd!;
    expect(s.error).toBeUndefined();
    expect(s.messages.map((m) => m.messageSeqNo)).toEqual([1n, 2n, 3n]);
    // After a local close the client's own iteration is over (Canceled), and sends reject.
    await expect(it.next()).rejects.toMatchObject({ code: Code.Canceled });
    await expect(stream.send(msg(4))).rejects.toMatchObject({ code: Code.Unavailable });
  });

  it("delivers a few thousand pipelined messages in order, sent without waiting", async () => {
    const server = await startOurServer();
    const stream = await dial(server).dial();
    const n = 5000;
    const sends: Promise<void>[] = [];
    for (let i = 1; i <= n; i++) {
      sends.push(stream.send(msg(i, new Uint8Array(i % 64))));
    }
    const got = await take(stream.receive()[Symbol.asyncIterator](), n);
    await Promise.all(sends);
    expect(got.map((m) => Number(m.messageSeqNo))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(got.every((m, i) => m.payload.byteLength === (i + 1) % 64)).toBe(true);
    stream.close();
  });

  it("consume at both ends: the messages in order, then the end the server closes with, after the replies before it", async () => {
    for (const reason of [undefined, new ConnectError("enough", Code.Aborted)]) {
      let serverSide: Promise<{ messages: Message[] }> | undefined;
      const server = await startOurServer((a) => {
        serverSide = consumed(a.stream, (m) => {
          a.stream.send(m).catch(() => {});
          if (m.messageSeqNo === 3n) {
            a.stream.close(reason);
          }
        });
      });
      const stream = await dial(server).dial();
      const clientSide = consumed(stream);
      for (let i = 1; i <= 3; i++) {
        stream.send(msg(i)).catch(() => {});
      }
      const c = await clientSide;
      expect(c.messages.map((m) => m.messageSeqNo)).toEqual([1n, 2n, 3n]);
      expect(c.error?.code).toBe(reason?.code);
      expect((await serverSide!).messages.map((m) => m.messageSeqNo)).toEqual([1n, 2n, 3n]);
    }
  });

  it("hands the server the request headers (no grpc-timeout) and the peer address, before any message", async () => {
    let accepted: AcceptedNodeStream | undefined;
    const server = await startOurServer((a) => {
      accepted = a;
      echo(a.stream);
    });
    const stream = await dial(server, new Headers({ "gorums-node-id": "7", "x-meta": "a b" })).dial();
    await waitUntil(() => accepted !== undefined);
    expect(accepted?.headers.get("gorums-node-id")).toBe("7");
    expect(accepted?.headers.get("x-meta")).toBe("a b");
    expect(accepted?.headers.get("content-type")).toBe("application/grpc");
    expect(accepted?.headers.get("te")).toBe("trailers");
    expect(accepted?.headers.has("grpc-timeout")).toBe(false);
    expect(accepted?.peerAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    stream.close();
  });

  it("reuses one session for every dial and makes a new one after GOAWAY", async () => {
    const server = await startOurServer();
    const d = dial(server);
    const a = await d.dial();
    const b = await d.dial();
    const [ra] = await Promise.all([take(a.receive()[Symbol.asyncIterator](), 1), a.send(msg(1))]);
    const [rb] = await Promise.all([take(b.receive()[Symbol.asyncIterator](), 1), b.send(msg(2))]);
    expect(ra[0]?.messageSeqNo).toBe(1n);
    expect(rb[0]?.messageSeqNo).toBe(2n);
    expect(server.sessions.length).toBe(1);
    // The server says goodbye: the open streams may finish, new dials use a new session.
    server.sessions[0]?.goaway(http2.constants.NGHTTP2_NO_ERROR);
    await new Promise((r) => setTimeout(r, 50));
    const c = await d.dial();
    const [rc] = await Promise.all([take(c.receive()[Symbol.asyncIterator](), 1), c.send(msg(3))]);
    expect(rc[0]?.messageSeqNo).toBe(3n);
    expect(server.sessions.length).toBe(2);
    a.close();
    b.close();
    c.close();
  });

  it("rejects a dial with Unavailable when nothing listens, and a closed dialer's dials", async () => {
    const server = await startOurServer();
    const addr = server.addr;
    await server.close();
    const d = http2StreamDialer({ address: addr, headers: new Headers() });
    cleanup(() => d.close());
    const err = await rejection(d.dial());
    expect(err.code).toBe(Code.Unavailable);
    d.close();
    expect((await rejection(d.dial())).code).toBe(Code.Unavailable);
  });

  it("surfaces the status the server closes with, as that ConnectError (message percent-decoded)", async () => {
    const server = await startOurServer((a) => echoOnceThenFail(a.stream, new ConnectError("not you, 100% ünïcode", Code.PermissionDenied)));
    const stream = await dial(server).dial();
    await stream.send(msg(1));
    const { messages, error } = await drain(stream.receive());
    expect(messages.map((m) => m.messageSeqNo)).toEqual([1n]);
    expect(error?.code).toBe(Code.PermissionDenied);
    expect(error?.rawMessage).toBe("not you, 100% ünïcode");
    await expect(stream.send(msg(2))).rejects.toBeInstanceOf(ConnectError);
    stream.close();
  });

  it("a plain Error closing the server stream is Unknown", async () => {
    const server = await startOurServer((a) => a.stream.close(new Error("oops")));
    const stream = await dial(server).dial();
    const { error } = await drain(stream.receive());
    expect(error?.code).toBe(Code.Unknown);
    expect(error?.rawMessage).toBe("oops");
    stream.close();
  });

  it("ends the client's iteration cleanly when the server ends the call with status 0", async () => {
    const server = await startOurServer((a) => {
      void a.stream.send(msg(9)).then(() => a.stream.close());
    });
    const stream = await dial(server).dial();
    const { messages, error } = await drain(stream.receive());
    expect(error).toBeUndefined();
    expect(messages.map((m) => m.messageSeqNo)).toEqual([9n]);
    stream.close();
  });

  it("a client close with a reason cancels the call: the server's receive throws Canceled", async () => {
    let serverSide: Promise<{ messages: Message[]; error?: ConnectError }> | undefined;
    const server = await startOurServer((a) => {
      serverSide = drain(a.stream.receive());
    });
    const stream = await dial(server).dial();
    await stream.send(msg(1));
    await waitUntil(() => serverSide !== undefined);
    await new Promise((r) => setTimeout(r, 20));
    stream.close(new ConnectError("bye", Code.Canceled));
    const { messages, error } = await serverSide!;
    expect(messages.map((m) => m.messageSeqNo)).toEqual([1n]);
    expect(error?.code).toBe(Code.Canceled);
    await expect(stream.send(msg(2))).rejects.toBeInstanceOf(ConnectError);
  });

  it("session loss: both ends' receive throw Unavailable, sends then reject", async () => {
    let serverSide: Promise<{ messages: Message[]; error?: ConnectError }> | undefined;
    const server = await startOurServer((a) => {
      serverSide = drain(a.stream.receive());
    });
    const stream = await dial(server).dial();
    const clientSide = drain(stream.receive());
    await stream.send(msg(1));
    await waitUntil(() => serverSide !== undefined);
    server.sessions[0]?.destroy();
    const c = await clientSide;
    expect(c.error?.code).toBe(Code.Unavailable);
    const s = await serverSide!;
    expect(s.error?.code).toBe(Code.Unavailable);
    await expect(stream.send(msg(2))).rejects.toMatchObject({ code: Code.Unavailable });
  });

  it("the client's session loss: the server's receive throws Unavailable", async () => {
    let serverSide: Promise<{ messages: Message[]; error?: ConnectError }> | undefined;
    const server = await startOurServer((a) => {
      serverSide = drain(a.stream.receive());
    });
    const client = http2.connect(`http://${server.addr}`);
    client.on("error", () => {});
    const req = client.request({ ":method": "POST", ":path": "/stream.Gorums/NodeStream", "content-type": "application/grpc", te: "trailers" }, { endStream: false });
    req.on("error", () => {});
    req.write(encodeFrame(toBinary(MessageSchema, msg(1))));
    await waitUntil(() => serverSide !== undefined);
    await new Promise((r) => setTimeout(r, 20));
    client.destroy();
    const s = await serverSide!;
    expect(s.messages.map((m) => m.messageSeqNo)).toEqual([1n]);
    expect(s.error?.code).toBe(Code.Unavailable);
  });

  it("a new dial after session loss gets a fresh session", async () => {
    const server = await startOurServer();
    const d = dial(server);
    const a = await d.dial();
    const lost = drain(a.receive());
    server.sessions[0]?.destroy();
    expect((await lost).error?.code).toBe(Code.Unavailable);
    const b = await d.dial();
    const [r] = await Promise.all([take(b.receive()[Symbol.asyncIterator](), 1), b.send(msg(5))]);
    expect(r[0]?.messageSeqNo).toBe(5n);
    expect(server.sessions.length).toBe(2);
    b.close();
  });

  it("backpressure: while the receiver does not read, a send after a blocked write waits for 'drain'", async () => {
    let accepted: AcceptedNodeStream | undefined;
    const server = await startOurServer((a) => {
      accepted = a;
    });
    const stream = await dial(server).dial();
    await waitUntil(() => accepted !== undefined);
    // One tick's sends: one batch, one 6 MiB write — far beyond what the
    // receiver buffers (1 MiB) plus the HTTP/2 window, so the write cannot drain.
    const n = 48;
    const size = 128 * 1024;
    const sends: Promise<void>[] = [];
    for (let i = 1; i <= n; i++) {
      sends.push(stream.send(msg(i, new Uint8Array(size).fill(i))));
    }
    await Promise.all(sends); // handed to the stream
    let extraSent = false;
    const extra = stream.send(msg(n + 1, new Uint8Array(size).fill(n + 1))).then(() => void (extraSent = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(extraSent).toBe(false);
    // Reading lets everything through, in order, and the waiting send goes out.
    const got = await take(accepted!.stream.receive()[Symbol.asyncIterator](), n + 1);
    await extra;
    expect(extraSent).toBe(true);
    expect(got.map((m) => Number(m.messageSeqNo))).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
    expect(got.every((m, i) => m.payload.byteLength === size && m.payload[size - 1] === i + 1)).toBe(true);
    stream.close();
  });

  it("a message larger than the client's readMaxBytes fails the client with ResourceExhausted", async () => {
    const server = await startOurServer();
    const stream = await dial(server, new Headers(), 1024).dial();
    await stream.send(msg(1, new Uint8Array(100)));
    await stream.send(msg(2, new Uint8Array(5000)));
    const { messages, error } = await drain(stream.receive());
    expect(messages.map((m) => m.messageSeqNo)).toEqual([1n]);
    expect(error?.code).toBe(Code.ResourceExhausted);
  });

  it("a message larger than the server's readMaxBytes ends the call with ResourceExhausted", async () => {
    let serverSide: Promise<{ messages: Message[]; error?: ConnectError }> | undefined;
    const server = await startOurServer((a) => {
      serverSide = drain(a.stream.receive());
    }, 1024);
    const stream = await dial(server).dial();
    const clientSide = drain(stream.receive());
    await stream.send(msg(1, new Uint8Array(10)));
    await stream.send(msg(2, new Uint8Array(2000)));
    const c = await clientSide;
    expect(c.error?.code).toBe(Code.ResourceExhausted);
    const s = await serverSide!;
    expect(s.messages.map((m) => m.messageSeqNo)).toEqual([1n]);
    expect(s.error?.code).toBe(Code.ResourceExhausted);
  });
});

describe("http2 NodeStream over TLS", () => {
  const hasOpenssl = (() => {
    try {
      execFileSync("openssl", ["version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasOpenssl)("our client ↔ our server on createSecureServer (h2 via ALPN)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gorums-tls-"));
    const server = http2.createSecureServer(
      (() => {
        execFileSync(
          "openssl",
          ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
          { stdio: "ignore" },
        );
        return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
      })(),
      nodeStreamRequestListener((a) => echo(a.stream), (_req, res) => {
        res.statusCode = 404;
        res.end();
      }),
    );
    const sessions: http2.ServerHttp2Session[] = [];
    server.on("session", (s) => sessions.push(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const d = http2StreamDialer({ address: addr, headers: new Headers(), tls: { ca: readFileSync(join(dir, "cert.pem")) } });
    try {
      const stream = await d.dial();
      const [r] = await Promise.all([take(stream.receive()[Symbol.asyncIterator](), 1), stream.send(msg(42))]);
      expect(r[0]?.messageSeqNo).toBe(42n);
      stream.close();
      // A client that does not trust the certificate cannot connect.
      const untrusting = http2StreamDialer({ address: addr, headers: new Headers(), tls: {} });
      const err = await rejection(untrusting.dial());
      untrusting.close();
      expect(err.code).toBe(Code.Unavailable);
    } finally {
      d.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) {
        s.destroy();
      }
      await closed;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
