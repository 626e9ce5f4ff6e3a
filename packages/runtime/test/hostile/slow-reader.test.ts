/**
 * A slow reader (issue 7 item 2: bounded send queues, backpressure rather
 * than unbounded memory; Go behaviors 5 and 38: a Go handler's send blocks
 * on the stream, and the receive loop waits for the handlers).
 *
 * - FrameWriter: once the HTTP/2 stream's write() returns false, later sends
 *   are held (their promises pending) until 'drain'.
 * - A server process whose client stops reading replies keeps its memory
 *   bounded (under 50 MB of growth, measured in the process after a GC)
 *   while it is asked for 200 MB of replies: a streaming handler's sends
 *   wait; pipelined unary requests with 1 MiB replies wait; a flood of
 *   requests stops being served, then read (HTTP/2 flow control pushes back
 *   on the client). Without backpressure the same cases grew the process by
 *   ~200 MB and ~2 GB. When the client goes, the server is fine and serves others.
 */
import { EventEmitter } from "node:events";
import * as http2 from "node:http2";
import type { Http2Stream } from "node:http2";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { MessageSchema } from "../../src/gen/stream_pb.js";
import { withNodeList } from "../../src/index.js";
import { FrameWriter } from "../../src/wire/grpc/frame-writer.js";
import { echoQC } from "../gen/testsvc/testsvc_gorums.js";
import { type ChildServer, startChildServer } from "../helpers/child-server.js";
import { cleanup, testConfig } from "../helpers/test-servers.js";
import { envelope, GRPC_REQUEST, grpcFrame, request } from "./helpers.js";
import { sleep } from "../helpers/wait.js";

const MiB = 1024 * 1024;
/** Most the server process may grow while its client does not read. */
const BOUND = 50 * MiB;

describe("FrameWriter backpressure", () => {
  /** A stand-in for an Http2Stream whose write() says whether it wants more. */
  class FakeStream extends EventEmitter {
    destroyed = false;
    writableEnded = false;
    writes: Buffer[] = [];
    full = false;
    write(b: Buffer): boolean {
      this.writes.push(b);
      return !this.full;
    }
  }
  const msg = (n: number) => create(MessageSchema, { messageSeqNo: BigInt(n), method: "m", payload: new Uint8Array(100) });

  it("holds sends after write() returned false until 'drain', then writes them in one batch", async () => {
    const s = new FakeStream();
    const w = new FrameWriter(s as unknown as Http2Stream);
    s.full = true;
    await w.send(msg(1)); // handed to the stream: it resolves, but the stream is now full
    expect(s.writes.length).toBe(1);
    let settled = 0;
    const held = [w.send(msg(2)), w.send(msg(3))].map((p) => p.then(() => settled++));
    await sleep(20);
    expect(s.writes.length).toBe(1);
    expect(settled).toBe(0);
    s.full = false;
    s.emit("drain");
    await Promise.all(held);
    expect(settled).toBe(2);
    expect(s.writes.length).toBe(2);
    expect(s.writes[1]!.byteLength).toBe(2 * (5 + s.writes[0]!.byteLength - 5));
  });
});

describe("a client that stops reading replies (server process memory)", () => {
  type Mem = { mem: NodeJS.MemoryUsage };
  type Stats = { stats: { requests: number; streamSent: number; streamFailed: number } };

  /**
   * Starts a server process, measures its memory, opens a raw NodeStream
   * that never reads, writes `frames`, and returns the growth of the
   * process' memory (rss, after a GC) at its peak over ~2 s. The process
   * and the client go when the test ends.
   */
  async function growthWhileNotReading(frames: Buffer[]): Promise<{ growth: number; stats: Stats["stats"]; proc: ChildServer; client: http2.ClientHttp2Session }> {
    const proc = await startChildServer({ exposeGC: true });
    // Warm up: the process has served a call (and loaded everything) before the baseline.
    const warm = testConfig(withNodeList([proc.addr]));
    await echoQC(warm.context({ timeoutMs: 10_000 }), { value: "big:1048576" }).all();
    await warm.close();
    const base = (await proc.command<Mem>("mem")).mem.rss;
    const client = http2.connect(`http://${proc.addr}`);
    cleanup(() => client.destroy());
    client.on("error", () => {});
    const req = client.request(GRPC_REQUEST, { endStream: false });
    req.on("error", () => {});
    req.pause(); // never read a reply
    for (const f of frames) {
      req.write(f);
    }
    let peak = 0;
    for (let i = 0; i < 8; i++) {
      await sleep(250);
      peak = Math.max(peak, (await proc.command<Mem>("mem")).mem.rss - base);
    }
    const { stats } = await proc.command<Stats>("stats");
    return { growth: peak, stats, proc, client };
  }

  /** After the client left: the process is alive, its handler saw the end, and it serves a good client. */
  async function expectRecovered({ proc, client }: { proc: ChildServer; client: http2.ClientHttp2Session }): Promise<void> {
    client.destroy();
    const config = testConfig(withNodeList([proc.addr]));
    expect((await echoQC(config.context({ timeoutMs: 10_000 }), { value: "after" }).all()).value).toBe("echo: after");
    expect(proc.alive()).toBe(true);
    expect(proc.stderr()).toBe("");
  }

  it("a streaming handler sending 200 × 1 MiB: its sends wait, memory stays bounded", { timeout: 60_000 }, async () => {
    const r = await growthWhileNotReading([grpcFrame(envelope(1n, "testsvc.TestService.EchoStream", request("flood:200:1048576")))]);
    expect(r.growth).toBeLessThan(BOUND);
    expect(r.stats.streamSent).toBeLessThan(50); // stuck in send() long before 200
    await expectRecovered(r);
    const { stats } = await r.proc.command<Stats>("stats");
    expect(stats.streamFailed).toBe(1); // its pending send resolved false when the client left
  });

  it("200 pipelined requests for 1 MiB replies each: later requests wait, memory stays bounded", { timeout: 60_000 }, async () => {
    const frames = Array.from({ length: 200 }, (_, i) => grpcFrame(envelope(BigInt(i + 1), "testsvc.TestService.EchoQC", request("big:1048576"))));
    const r = await growthWhileNotReading(frames);
    expect(r.growth).toBeLessThan(BOUND);
    expect(r.stats.requests).toBeLessThan(1 + 50); // the warm-up call, then only a few
    await expectRecovered(r);
  });

  it("a flood of 200,000 requests for 64 KiB replies: the server stops serving and reading, memory stays bounded", { timeout: 60_000 }, async () => {
    const frame = grpcFrame(envelope(7n, "testsvc.TestService.Echo", request("big:65536")));
    const r = await growthWhileNotReading(Array.from({ length: 200_000 }, () => frame));
    expect(r.growth).toBeLessThan(BOUND);
    // Served: the warm-up call and the replies that fit the reply high-water mark
    // (without backpressure, tens of thousands in these 2 s, and gigabytes).
    expect(r.stats.requests).toBeLessThan(1 + 100);
    await expectRecovered(r);
  });
});
