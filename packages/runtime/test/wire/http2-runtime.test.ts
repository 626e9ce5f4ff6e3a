/**
 * The node:http2 NodeStream under the runtime's Channel: an outbound
 * Channel dialing with http2StreamDialer reaches a real Server (the
 * connect-node stream on its side) for unary, one-way and failing calls;
 * and against our server listener, an inbound Channel serving the Server's
 * handlers answers the client's calls and calls back into the client
 * (server-initiated sequence numbers) on the same stream. Closing the
 * client channel ends the server's stream cleanly; stopping the server
 * fails streaming calls with "stream is down" (Unavailable).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Server } from "../../src/index.js";
import type { Message } from "../../src/gen/stream_pb.js";
import { Channel } from "../../src/wire/channel.js";
import { http2StreamDialer } from "../../src/wire/grpc/http2-stream-dialer.js";
import { replyMessage, requestMessage } from "../../src/wire/message.js";
import type { PendingCall } from "../../src/wire/pending-call.js";
import { SERVER_INITIATED_BIT } from "../../src/wire/sequence.js";
import { RequestSchema, ResponseSchema } from "../gen/testsvc/testsvc_pb.js";
import { registerTestService, startTestServers, type TestServer, type TestServerState, cleanup } from "../helpers/test-servers.js";
import { startOurServer } from "./http2-harness.js";
import { waitUntil } from "../helpers/wait.js";

interface Outcome {
  replies: Message[];
  errors: ConnectError[];
  sent: number;
}

function call(seq: bigint, method: string, value: string, kind: PendingCall["kind"] = "unary"): PendingCall & { out: Outcome } {
  const out: Outcome = { replies: [], errors: [], sent: 0 };
  return {
    msg: requestMessage(seq, method, toBinary(RequestSchema, create(RequestSchema, { value })), []),
    kind,
    out,
    onReply: (r) => out.replies.push(r),
    onError: (e) => out.errors.push(e),
    onSent: () => out.sent++,
  };
}

function value(reply: Message | undefined): string {
  return reply === undefined ? "(none)" : fromBinary(ResponseSchema, reply.payload).value;
}

describe("http2 NodeStream under the Channel", () => {
  let servers: TestServer[] = [];

  it("an outbound channel on our dialer calls a connect-node Server: unary, one-way, error replies", async () => {
    servers = await startTestServers(1);
    const server = servers[0]!;
    const ch = new Channel({ nodeID: 1, dialer: http2StreamDialer({ address: server.addr, headers: new Headers() }) });
    cleanup(() => ch.close());
    const a = call(1n, "testsvc.TestService.Echo", "hello");
    const w = call(2n, "testsvc.TestService.Write", "written", "oneway");
    const f = call(3n, "testsvc.TestService.Echo", `fail:${Code.NotFound}`);
    ch.send(a);
    ch.send(w);
    ch.send(f);
    await waitUntil(() => a.out.replies.length === 1 && f.out.replies.length === 1 && w.out.sent === 1);
    expect(value(a.out.replies[0])).toBe("echo: hello");
    expect(f.out.replies[0]?.status?.code).toBe(Code.NotFound);
    await waitUntil(() => server.state.writes.includes("written"));
    expect(a.out.errors).toEqual([]);
    expect(ch.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("stopping the server fails a streaming call with Unavailable", async () => {
    servers = await startTestServers(1);
    const server = servers[0]!;
    server.state.streamReplies = 1000; // keeps streaming
    const ch = new Channel({ nodeID: 1, dialer: http2StreamDialer({ address: server.addr, headers: new Headers() }) });
    cleanup(() => ch.close());
    const s = call(1n, "testsvc.TestService.EchoStream", "s", "streaming");
    ch.send(s);
    await waitUntil(() => s.out.replies.length >= 1);
    await server.server.stop();
    await waitUntil(() => s.out.errors.length === 1);
    expect(s.out.errors[0]?.code).toBe(Code.Unavailable);
    expect(ch.lastError?.code).toBe(Code.Unavailable);
  });

  it("an inbound channel on our server stream serves the client and calls back into it", async () => {
    const handlers = new Server();
    const state: TestServerState = { writes: [], nums: [], delayMs: 0, streamReplies: 2 };
    registerTestService(handlers, state, 9);
    let inbound: Channel | undefined;
    let serverDown: ConnectError | undefined;
    const h2 = await startOurServer((a) => {
      inbound = new Channel({
        nodeID: 0,
        stream: a.stream,
        onRequest: handlers.requestHandlerFor({ nodeID: 0, address: a.peerAddress, headers: a.headers }),
        onStreamDown: (_c, err) => (serverDown = err),
      });
    });
    // The client serves "client.Echo" calls that the server starts.
    const client = new Channel({
      nodeID: 1,
      dialer: http2StreamDialer({ address: h2.addr, headers: new Headers({ "gorums-node-id": "0" }) }),
      onRequest: (req, reply) => void reply(replyMessage(req, toBinary(ResponseSchema, create(ResponseSchema, { value: `client saw ${fromBinary(RequestSchema, req.payload).value}` })))),
    });
    cleanup(() => client.close());
    const calls = Array.from({ length: 200 }, (_, i) => call(BigInt(i + 1), "testsvc.TestService.EchoQC", `v${i}`));
    for (const c of calls) {
      client.send(c);
    }
    await waitUntil(() => calls.every((c) => c.out.replies.length === 1));
    expect(calls.map((c) => value(c.out.replies[0]))).toEqual(calls.map((_, i) => `echo: v${i}`));
    expect(state.nums.length).toBe(200);

    // Server → client, on the stream the client dialed.
    expect(inbound).toBeDefined();
    const back = call(SERVER_INITIATED_BIT | 1n, "client.Echo", "ping");
    inbound!.send(back);
    await waitUntil(() => back.out.replies.length === 1);
    expect(value(back.out.replies[0])).toBe("client saw ping");
    expect(back.out.replies[0]?.messageSeqNo).toBe(SERVER_INITIATED_BIT | 1n);

    // The client leaves: its half-close ends the server's stream cleanly ("stream is down").
    client.close();
    await waitUntil(() => serverDown !== undefined);
    expect(serverDown?.code).toBe(Code.Unavailable);
    expect(inbound!.isConnected()).toBe(false);
  });
});
