/**
 * Stream and connection faults (issue 7 item 1; Go behaviors 63, 64: a
 * node whose stream breaks fails its streaming calls in flight with
 * Unavailable "stream is down", re-sends its unary ones, and its channel
 * reconnects for the next call).
 *
 * - A server that closes the stream in the middle of a streaming quorum call
 *   (clean end, RST_STREAM, or the whole connection dropped) → that node
 *   reports Unavailable "stream is down" after the replies it sent; the other
 *   nodes' replies keep coming; the next call reconnects.
 * - A server process that sends GOAWAY and closes its connections, or
 *   resets them (destroys the sockets), during a load of quorum calls → no
 *   call fails, the client opens a new stream, the next calls succeed.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { MessageSchema } from "../../src/gen/stream_pb.js";
import { type NodeResponse, withNodeList } from "../../src/index.js";
import { encodeFrame, FrameDecoder } from "../../src/wire/grpc/grpc-frame.js";
import { echoQC, echoStream } from "../gen/testsvc/testsvc_gorums.js";
import { RequestSchema, type Response, ResponseSchema } from "../gen/testsvc/testsvc_pb.js";
import { startChildServers } from "../helpers/child-server.js";
import { cleanup, startTestServers, testConfig } from "../helpers/test-servers.js";

type Breakage = "trailers" | "rst" | "connection";

/**
 * A raw HTTP/2 NodeStream server that answers each request with one
 * Response (num 3) and then breaks the stream as told. Counts streams.
 * Closed when the test ends.
 */
async function startBreakingServer(how: Breakage): Promise<{ addr: string; streams: () => number }> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  let streams = 0;
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
    s.on("error", () => {});
  });
  server.on("stream", (stream) => {
    streams++;
    stream.on("error", () => {});
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    const decoder = new FrameDecoder((bytes) => {
      const req = fromBinary(MessageSchema, bytes);
      const value = fromBinary(RequestSchema, req.payload).value;
      const reply = create(MessageSchema, {
        messageSeqNo: req.messageSeqNo,
        method: req.method,
        payload: toBinary(ResponseSchema, create(ResponseSchema, { value: `partial: ${value}`, num: 3n })),
      });
      stream.write(encodeFrame(toBinary(MessageSchema, reply)));
      setTimeout(() => {
        if (how === "trailers") {
          stream.end();
        } else if (how === "rst") {
          stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        } else {
          stream.session?.destroy();
        }
      }, 30);
    });
    stream.on("data", (chunk: Buffer) => decoder.push(chunk));
  });
  cleanup(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sessions) {
      s.destroy();
    }
    await closed;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { addr: `127.0.0.1:${(server.address() as AddressInfo).port}`, streams: () => streams };
}

describe("a server closes the stream in the middle of a streaming quorum call", () => {
  for (const how of ["trailers", "rst", "connection"] as const) {
    it(`(${how}) → that node reports Unavailable "stream is down"; the others keep answering; the next call reconnects`, async () => {
      const servers = await startTestServers(2);
      const breaking = await startBreakingServer(how);
      const config = testConfig(withNodeList([servers[0]!.addr, servers[1]!.addr, breaking.addr]));
      const seen: Array<NodeResponse<Response>> = [];
      const ctx = config.context({ timeoutMs: 10_000 });
      for await (const r of echoStream(ctx, { value: "s" }).results()) {
        seen.push(r);
        const fromOthers = seen.filter((x) => x.nodeID !== 3 && x.value !== undefined).length;
        if (fromOthers === 6 && seen.some((x) => x.nodeID === 3 && x.error !== undefined)) {
          break;
        }
      }
      const node3 = seen.filter((x) => x.nodeID === 3);
      expect(node3.map((x) => x.value?.value ?? "error")).toEqual(["partial: s", "error"]);
      const err = node3[1]!.error;
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.Unavailable);
      expect((err as ConnectError).rawMessage).toBe("stream is down");
      for (const id of [1, 2]) {
        expect(seen.filter((x) => x.nodeID === id).map((x) => x.value?.value)).toEqual(["echo: s-1", "echo: s-2", "echo: s-3"]);
      }
      // The next call opens a new stream to node 3 and gets its reply.
      const next = await echoStream(config.context({ timeoutMs: 10_000 }), { value: "t" }).results().collectN(1);
      expect(next.size).toBe(1);
      const again = await collectUntil(echoStream(config.context({ timeoutMs: 10_000 }), { value: "u" }).results(), (r) => r.nodeID === 3);
      expect(again.value?.value).toBe("partial: u");
      expect(breaking.streams()).toBeGreaterThanOrEqual(2);
    });
  }
});

/** The first response that `match` picks, then stops the call. */
async function collectUntil<T>(seq: AsyncIterable<NodeResponse<T>>, match: (r: NodeResponse<T>) => boolean): Promise<NodeResponse<T>> {
  for await (const r of seq) {
    if (match(r)) {
      return r;
    }
  }
  throw new Error("no matching response");
}

describe("GOAWAY and connection resets from server processes", () => {
  for (const cmd of ["goaway", "reset"] as const) {
    it(`${cmd}: calls in flight and the next calls succeed; the client reconnects`, { timeout: 60_000 }, async () => {
      const procs = await startChildServers(3);
      const config = testConfig(withNodeList(procs.map((p) => p.addr)));
      expect((await echoQC(config.context({ timeoutMs: 10_000 }), { value: "warm" }).all()).value).toBe("echo: warm");
      const before = await procs[0]!.command<{ stats: { streams: number } }>("stats");
      expect(before.stats.streams).toBe(1);

      // A load of quorum calls that need every node, with the fault in the
      // middle: it goes on until 100 calls after the connection is gone.
      const failures: unknown[] = [];
      let started = 0;
      let hit: Promise<{ [k: string]: number }> | undefined;
      let stopAt = Number.POSITIVE_INFINITY;
      const worker = async () => {
        while (started < stopAt) {
          const i = started++;
          if (i === 100) {
            hit = procs[0]!.command(cmd);
            hit.then(
              () => (stopAt = started + 100),
              () => (stopAt = 0),
            );
          }
          try {
            await echoQC(config.context({ timeoutMs: 15_000 }), { value: `g${i}` }).all();
          } catch (err) {
            failures.push(err);
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      expect((await hit)?.[cmd]).toBe(1); // it acted on the one connection
      expect(failures).toEqual([]);

      // The next calls succeed, each needing node 1, on a new stream.
      for (let i = 0; i < 20; i++) {
        expect((await echoQC(config.context({ timeoutMs: 10_000 }), { value: `n${i}` }).all()).value).toBe(`echo: n${i}`);
      }
      const after = await procs[0]!.command<{ stats: { streams: number; sessions: number } }>("stats");
      expect(after.stats.streams).toBe(2);
      expect(after.stats.sessions).toBe(1);
      expect(procs.every((p) => p.alive())).toBe(true);
    });
  }
});
