/**
 * Hostile and broken input against a real Server on 127.0.0.1 (issue 7
 * item 2; go-gorums-behaviors "wire" errors and 67: an unknown method is
 * UNIMPLEMENTED, an undecodable request fails that request only (here
 * InvalidArgument, per DESIGN §2), a high-bit "reply" nobody waits for is
 * dropped; and a broken stream never takes the server down). Each case is followed by a check that a well-behaved client, which
 * connected before the first case, is still served on its very first stream.
 *
 * - Raw TCP that is not HTTP/2: random garbage, an HTTP/1.1 request, a
 *   truncated preface, a preface followed by malformed frames: the server
 *   drops that connection.
 * - Broken gRPC frames on a NodeStream: truncated (header, body), oversized
 *   (above maxMessageBytes, 0xFFFFFFFF), compressed flag without
 *   compression, unknown flag bits, garbage, an undecodable stream.Message:
 *   the valid request before them is answered, then that stream ends with
 *   Internal or ResourceExhausted.
 * - Broken requests inside valid frames: unknown method (Unimplemented),
 *   undecodable payload (InvalidArgument), an empty envelope: answered; a
 *   high-bit sequence number (a reply to a call the server never made):
 *   dropped; the same stream serves the next request.
 * - Wrong request headers: content types other than gRPC-proto, a missing
 *   content type, GET, an unknown path, a compressed grpc-encoding, a huge
 *   header.
 *
 * (server-errors.test.ts checks the error replies' exact shape; the
 * conformance test checks our stream against other gRPC implementations.)
 */
import * as net from "node:net";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, framesOf, GRPC_REQUEST, grpcFrame, rawCall, request, startWatchedServer, type WatchedServer } from "./helpers.js";
import { errorCodeOf, Flag, frame, FrameType, H2Error, headerBlock, nodeStreamHeaders, PREFACE, rawH2, settings } from "./raw-h2.js";

const ECHO = "testsvc.TestService.Echo";

describe("hostile and broken input; a well-behaved client is served throughout", () => {
  // One server for the whole suite: every case must leave it serving its good client.
  let watched: WatchedServer;
  let addr: string;
  beforeAll(async () => {
    watched = await startWatchedServer();
    addr = watched.addr;
  });
  afterAll(() => watched?.close());

  describe("raw TCP that is not HTTP/2: the server drops the connection", () => {
    const cases: Array<[string, Buffer]> = [
      ["random garbage", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff))],
      ["an HTTP/1.1 request", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
      ["an HTTP/1.1 upgrade to h2c", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")],
      ["a preface that goes wrong half-way", Buffer.concat([PREFACE.subarray(0, 10), Buffer.from("garbage garbage garbage")])],
      ["zeros", Buffer.alloc(1 << 16)],
    ];
    for (const [name, bytes] of cases) {
      it(name, async () => {
        const sock = net.connect({ host: "127.0.0.1", port: Number(addr.split(":")[1]) });
        sock.on("error", () => {});
        sock.on("data", () => {});
        const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
        sock.write(bytes);
        await closed; // the server hung up (the test times out otherwise)
        await watched.good.expectServed(name);
      });
    }

    const frameCases: Array<[string, Buffer, number]> = [
      ["a frame longer than the maximum frame size", Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0]), Buffer.alloc(64)]), H2Error.FRAME_SIZE_ERROR],
      ["a SETTINGS frame with a bad length", Buffer.from([0, 0, 5, FrameType.SETTINGS, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]), H2Error.FRAME_SIZE_ERROR],
      ["DATA on stream 0", Buffer.from([0, 0, 1, FrameType.DATA, 0, 0, 0, 0, 0, 42]), H2Error.PROTOCOL_ERROR],
      ["HEADERS with an undecodable header block", Buffer.from([0, 0, 4, FrameType.HEADERS, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]), H2Error.COMPRESSION_ERROR],
      // (node:http2 reports this one as INTERNAL_ERROR rather than FLOW_CONTROL_ERROR)
      ["a WINDOW_UPDATE overflowing the window", Buffer.from([0, 0, 4, FrameType.WINDOW_UPDATE, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]), -1],
    ];
    for (const [name, bytes, code] of frameCases) {
      it(`preface, then ${name}: GOAWAY ${code < 0 ? "with an error" : code}`, async () => {
        const c = await rawH2(addr);
        try {
          c.write(bytes);
          // node:http2 ends the session with GOAWAY and waits for the peer to
          // hang up (it does not close the socket itself).
          const goaway = await c.waitFor((f) => f.type === FrameType.GOAWAY);
          if (code < 0) {
            expect(errorCodeOf(goaway)).not.toBe(H2Error.NO_ERROR);
          } else {
            expect(errorCodeOf(goaway)).toBe(code);
          }
          await watched.good.expectServed(name);
        } finally {
          c.destroy();
        }
      });
    }

    it("many connections that send a preface and stall, then go away", async () => {
      const conns = await Promise.all(Array.from({ length: 50 }, () => rawH2(addr, { handshake: false })));
      for (const c of conns) {
        c.write(Buffer.concat([PREFACE, settings()]));
      }
      await watched.good.expectServed("stalled");
      for (const c of conns) {
        c.destroy();
      }
      await Promise.all(conns.map((c) => c.closed));
      await watched.good.expectServed("stalled gone");
    });
  });

  describe("broken gRPC frames end that stream; the request before them is answered", () => {
    const first = grpcFrame(envelope(1n, ECHO, request("first")));
    const oversized = Buffer.alloc(5);
    oversized.writeUInt32BE(4 * 1024 * 1024 + 1, 1);
    const cases: Array<[string, Buffer[], Code]> = [
      ["a frame truncated in its header", [Buffer.from([0, 0, 0])], Code.Internal],
      ["a frame truncated in its body", [Buffer.from([0, 0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])], Code.Internal],
      ["a length prefix above maxMessageBytes", [oversized], Code.ResourceExhausted],
      ["a length prefix of 0xFFFFFFFF", [Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3])], Code.ResourceExhausted],
      ["the compressed flag without compression", [grpcFrame(envelope(2n, ECHO, request("x")), 1)], Code.Internal],
      ["unknown flag bits", [grpcFrame(envelope(2n, ECHO, request("x")), 0x80)], Code.Internal],
      ["text garbage", [Buffer.from("this is not a gRPC frame at all")], Code.Internal],
      ["an undecodable stream.Message", [grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))], Code.Internal],
      ["a stream.Message with a wrong wire type", [grpcFrame(Buffer.from([0x0a, 0x05]))], Code.Internal],
    ];
    for (const [name, chunks, code] of cases) {
      it(`${name} → ${Code[code]}`, async () => {
        const res = await rawCall(addr, [first, Buffer.concat(chunks)], { replyBeforeRest: true });
        const answered = framesOf(res.body).map((m) => m.messageSeqNo);
        expect(answered).toEqual([1n]);
        expect(res.grpcStatus).toBe(code);
        await watched.good.expectServed(name);
      });
    }
  });

  describe("broken requests in valid frames are answered; the stream goes on", () => {
    it("unknown method, undecodable payload, an empty envelope, a high-bit 'reply', then a good request on the same stream", async () => {
      const res = await rawCall(addr, [
        grpcFrame(envelope(1n, "no.Such.Method", request("x"))),
        grpcFrame(envelope(2n, ECHO, Buffer.from([0x0a, 0xff, 0xff]))),
        grpcFrame(new Uint8Array(0)),
        grpcFrame(envelope(3n, "", new Uint8Array(0))),
        grpcFrame(envelope((1n << 63n) | 9n, ECHO, request("a reply nobody waits for"))),
        grpcFrame(envelope(4n, ECHO, request("fine"))),
      ]);
      expect(res.grpcStatus).toBe(0);
      const replies = framesOf(res.body);
      expect(replies.map((m) => [m.messageSeqNo, m.status?.code])).toEqual([
        [1n, Code.Unimplemented],
        [2n, Code.InvalidArgument],
        [0n, Code.Unimplemented],
        [3n, Code.Unimplemented],
        [4n, undefined],
      ]);
      await watched.good.expectServed("broken requests");
    });
  });

  describe("wrong request headers", () => {
    const cases: Array<[string, Record<string, string>, (r: Awaited<ReturnType<typeof rawCall>>) => void]> = [
      ["content-type text/plain", { "content-type": "text/plain" }, (r) => expect(r.headers[":status"]).toBe(415)],
      ["content-type application/json", { "content-type": "application/json" }, (r) => expect(r.headers[":status"]).toBe(415)],
      ["no content-type", { "content-type": "" }, (r) => expect(r.headers[":status"]).toBe(415)],
      ["content-type application/grpc+json (connect-node's JSON codec)", { "content-type": "application/grpc+json" }, (r) => expect(r.grpcStatus).not.toBe(0)],
      ["GET", { ":method": "GET" }, (r) => expect(r.headers[":status"]).not.toBe(200)],
      ["an unknown path", { ":path": "/no.Such/Service" }, (r) => expect([404, 200]).toContain(r.headers[":status"])],
      ["grpc-encoding gzip", { "grpc-encoding": "gzip" }, (r) => expect(r.grpcStatus).toBe(Code.Unimplemented)],
      ["a 16 KiB header value", { "x-big": "v".repeat(16 * 1024) }, (r) => expect(r.grpcStatus).not.toBe(undefined)],
    ];
    for (const [name, headers, check] of cases) {
      it(name, async () => {
        const h: Record<string, string> = { ...(GRPC_REQUEST as Record<string, string>), ...headers };
        if (h["content-type"] === "") {
          delete h["content-type"];
        }
        // A garbage body: whoever answers must not be confused by it.
        const res = await rawCall(addr, [grpcFrame(Buffer.from([0xff, 0xff]))], { headers: h });
        check(res);
        await watched.good.expectServed(name);
      });
    }

    it("a 1 MiB header block in CONTINUATION frames: refused, the server stays", async () => {
      const block = headerBlock(nodeStreamHeaders([["x-huge", "h".repeat(1 << 20)]]));
      const frames: Buffer[] = [];
      for (let at = 0; at < block.byteLength; at += 16_384) {
        const last = at + 16_384 >= block.byteLength;
        frames.push(frame(at === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, last ? Flag.END_HEADERS : 0, 1, block.subarray(at, at + 16_384)));
      }
      const c = await rawH2(addr);
      try {
        c.write(Buffer.concat(frames));
        const end = await c.waitFor((f) => (f.type === FrameType.RST_STREAM && f.streamId === 1) || f.type === FrameType.GOAWAY || f.type === FrameType.HEADERS);
        // (nghttp2 answers a header field this large with GOAWAY COMPRESSION_ERROR)
        expect(end.type).not.toBe(FrameType.HEADERS);
        expect(errorCodeOf(end)).not.toBe(H2Error.NO_ERROR);
      } finally {
        c.destroy();
      }
      await watched.good.expectServed("huge header");
    });
  });
});
