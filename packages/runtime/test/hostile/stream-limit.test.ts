/**
 * Many streams from one client (issue 7 item 2): `ServerOptions.
 * maxStreamsPerConnection` (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS, default
 * 1000). A Gorums client needs one stream per connection; a client that opens
 * more than the limit gets a clear refusal (RST_STREAM REFUSED_STREAM, which
 * our client and grpc-go report as Unavailable — see the conformance test),
 * or loses its connection (GOAWAY) when it keeps going or had acknowledged
 * the limit. A well-behaved HTTP/2 client queues streams beyond the limit
 * instead. The server serves a well-behaved Gorums client throughout.
 *
 * GORUMS_HOSTILE_STREAMS sets the size of the big flood (default 10,000).
 */
import * as http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { cleanup } from "../helpers/test-servers.js";
import { envelope, GRPC_REQUEST, grpcFrame, request, testWatchedServer } from "./helpers.js";
import { errorCodeOf, FrameType, H2Error, type H2Frame, headersFrame, nodeStreamHeaders, rawH2 } from "./raw-h2.js";

const FLOOD = Number(process.env.GORUMS_HOSTILE_STREAMS ?? 10_000);
/** SETTINGS_MAX_CONCURRENT_STREAMS. */
const MAX_CONCURRENT_STREAMS = 0x3;

describe("streams per connection", () => {
  /** The value of SETTINGS_MAX_CONCURRENT_STREAMS in a SETTINGS frame. */
  function advertisedLimit(f: H2Frame): number | undefined {
    for (let at = 0; at + 6 <= f.payload.byteLength; at += 6) {
      if (f.payload.readUInt16BE(at) === MAX_CONCURRENT_STREAMS) {
        return f.payload.readUInt32BE(at + 2);
      }
    }
    return undefined;
  }

  /**
   * Opens `n` NodeStreams at once on one raw connection (without having
   * acknowledged the server's SETTINGS unless `ack`) and waits until the
   * streams beyond `limit` were refused (and the others, which our stream
   * answers with headers at once, accepted), or the connection went away.
   */
  async function flood(addr: string, n: number, limit: number, ack = false) {
    const c = await rawH2(addr, { ackSettings: ack });
    cleanup(() => c.destroy());
    const settings = await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & 1) === 0);
    if (ack) {
      await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & 1) === 1); // our SETTINGS acknowledged too
    }
    const frames: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      frames.push(headersFrame(2 * i + 1, nodeStreamHeaders()));
    }
    c.write(Buffer.concat(frames));
    const answered = new Set<number>();
    const accepted = new Set<number>();
    const refused = new Set<number>();
    let goaway: H2Frame | undefined;
    await c
      .waitFor((f) => {
        if (f.type === FrameType.GOAWAY) {
          goaway = f;
          return true;
        }
        if (f.type === FrameType.HEADERS) {
          accepted.add(f.streamId);
          answered.add(f.streamId);
        } else if (f.type === FrameType.RST_STREAM && !accepted.has(f.streamId)) {
          if (errorCodeOf(f) === H2Error.REFUSED_STREAM) {
            refused.add(f.streamId);
          }
          answered.add(f.streamId);
        }
        return refused.size >= n - limit && accepted.size >= Math.min(n, limit);
      }, 15_000)
      .catch(() => undefined); // the connection may be closed after a GOAWAY
    // Late resets of accepted streams would show up here.
    await new Promise((r) => setTimeout(r, 200));
    return { limit: advertisedLimit(settings), accepted: [...accepted].sort((a, b) => a - b), refused: [...refused].sort((a, b) => a - b), goaway, conn: c };
  }

  it("advertises the default limit of 1000, and a configured one", async () => {
    for (const [opts, want] of [
      [{}, 1000],
      [{ maxStreamsPerConnection: 50 }, 50],
    ] as const) {
      const s = await testWatchedServer(opts);
      const c = await rawH2(s.addr);
      cleanup(() => c.destroy());
      expect(advertisedLimit(await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & 1) === 0))).toBe(want);
      await s.good.expectServed("limit");
      await s.close();
    }
  });

  it("1,100 streams at once: the first 1000 are served, the other 100 refused with REFUSED_STREAM", async () => {
    const { addr, good } = await testWatchedServer();
    const r = await flood(addr, 1100, 1000);
    expect(r.limit).toBe(1000);
    expect(r.accepted.length).toBe(1000);
    expect(r.accepted.at(-1)).toBe(2 * 999 + 1); // the first 1000 stream IDs
    expect(r.refused.length).toBe(100);
    expect(r.refused[0]).toBe(2 * 1000 + 1);
    expect(r.goaway).toBeUndefined();
    await good.expectServed("1100 streams");
    r.conn.destroy();
    await r.conn.closed;
    await good.expectServed("1100 streams gone");
  });

  it(`${FLOOD} streams at once: never more than 1000 served; the rest refused or the connection dropped`, { timeout: 60_000 }, async () => {
    const { addr, good } = await testWatchedServer();
    const r = await flood(addr, FLOOD, 1000);
    expect(r.accepted.length).toBe(Math.min(1000, FLOOD));
    expect(r.accepted.every((id) => id <= 2 * 999 + 1)).toBe(true);
    if (r.refused.length < FLOOD - 1000) {
      // nghttp2 tears down a connection that keeps opening refused streams.
      expect(r.goaway).toBeDefined();
    }
    expect(r.refused.length).toBeGreaterThan(0);
    await good.expectServed("flood");
  });

  it("a client that acknowledged the limit and exceeds it loses its connection (GOAWAY)", async () => {
    const { addr, good } = await testWatchedServer({ maxStreamsPerConnection: 20 });
    // Up to the limit: served (our stream answers each with headers at once).
    const r = await flood(addr, 20, 20, true);
    expect(r.limit).toBe(20);
    expect(r.goaway).toBeUndefined();
    expect(r.accepted.length).toBe(20);
    // Then 10 more while the 20 are open. (Sent together with the first 20,
    // the whole batch is one read for the server, and whether the first 20
    // are answered before the GOAWAY is up to nghttp2: Node 20 answers and
    // then resets them, Node 24 sends the GOAWAY alone.)
    const more: Buffer[] = [];
    for (let i = 20; i < 30; i++) {
      more.push(headersFrame(2 * i + 1, nodeStreamHeaders()));
    }
    r.conn.write(Buffer.concat(more));
    const goaway = await r.conn.waitFor((f) => f.type === FrameType.GOAWAY, 5_000);
    expect(errorCodeOf(goaway)).not.toBe(H2Error.NO_ERROR);
    expect(r.conn.frames.some((f) => f.type === FrameType.HEADERS && f.streamId > 2 * 19 + 1)).toBe(false);
    await good.expectServed("acked");
  });

  it("a well-behaved HTTP/2 client queues streams beyond the limit: they open as others close", async () => {
    const { addr, good } = await testWatchedServer({ maxStreamsPerConnection: 10 });
    const client = http2.connect(`http://${addr}`);
    client.on("error", () => {});
    cleanup(() => client.destroy());
    await new Promise((resolve) => client.once("remoteSettings", resolve));
    expect(client.remoteSettings.maxConcurrentStreams).toBe(10);
    const responded: http2.ClientHttp2Stream[] = [];
    let wake: (() => void) | undefined;
    const streams = Array.from({ length: 15 }, () => {
      const req = client.request(GRPC_REQUEST, { endStream: false });
      req.on("error", () => {});
      req.write(grpcFrame(envelope(1n, "testsvc.TestService.Echo", request("q"))));
      req.on("response", () => {
        responded.push(req);
        wake?.();
      });
      return req;
    });
    const until = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${responded.length} of ${n} streams answered`)), 10_000);
        wake = () => {
          if (responded.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    await until(10);
    await new Promise((r) => setTimeout(r, 100));
    expect(responded.length).toBe(10); // the other 5 wait in the client
    // Five calls end as a gRPC client ends them: it half-closes, the server
    // answers with trailers, the stream is closed on both sides. (Resetting
    // them with CANCEL instead makes node:http2's client send the queued
    // HEADERS in the same write as the RST_STREAMs, and node:http2's server
    // on Node 22 and later still counts the reset streams while it reads
    // that write: it refuses the queued ones with ENHANCE_YOUR_CALM. That is
    // node's own accounting, before any stream reaches our server.)
    for (const s of responded.slice(0, 5)) {
      s.end();
    }
    await until(15);
    expect(new Set(responded).size).toBe(15);
    for (const s of streams) {
      s.close();
    }
    await good.expectServed("queued");
  });
});
