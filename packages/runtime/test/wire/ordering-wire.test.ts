/**
 * The Go Gorums v0.11.0 release's wire (`/ordering.Gorums/NodeStream`,
 * `application/grpc+gorums`, metadata then message in each frame) between
 * our client (`wire: "ordering"`) and our servers, which serve it beside
 * the current wire. The real release's client and servers against ours are
 * in test/bench-go-benchmark.test.ts and interop/test/release-matrix.test.ts.
 */
import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { multicastCall, quorumCall, rpcCall, Server, twoWayHandler } from "../../src/index.js";
import { encodeFrames, FrameDecoder } from "../../src/wire/grpc/grpc-frame.js";
import { ORDERING_WIRE } from "../../src/wire/grpc/node-stream-wire.js";
import { ORDERING_ENVELOPE } from "../../src/wire/ordering-envelope.js";
import { requestMessage } from "../../src/wire/message.js";
import type { Message } from "../../src/gen/stream_pb.js";
import { RequestSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { cleanup, configOf, startTestServers, testConfig, testServer } from "../helpers/test-servers.js";
import { payloadOf } from "../helpers/raw-stream.js";
import { waitUntil } from "../helpers/wait.js";
import { withNodeList } from "../../src/index.js";

/** A bare HTTP/2 request on the ordering path: what a Go Gorums v0.11.0 client opens. */
function openOrderingStream(addr: string, contentType: string = ORDERING_WIRE.contentType) {
  const session = http2.connect(`http://${addr}`);
  cleanup(() => session.destroy());
  const req = session.request({ ":method": "POST", ":path": ORDERING_WIRE.path, "content-type": contentType, te: "trailers" }, { endStream: false });
  const replies: Message[] = [];
  const decoder = new FrameDecoder((bytes) => replies.push(ORDERING_ENVELOPE.decode(bytes)));
  req.on("data", (chunk: Buffer) => decoder.push(chunk));
  const headers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.once("response", resolve));
  const status = new Promise<string | undefined>((resolve) => {
    req.once("trailers", (t) => resolve(t["grpc-status"] as string | undefined));
    void headers.then((h) => h["grpc-status"] !== undefined && resolve(h["grpc-status"] as string));
  });
  req.on("error", () => {});
  const send = (msg: Message) => {
    const body = Buffer.alloc(ORDERING_ENVELOPE.size(msg));
    ORDERING_ENVELOPE.encodeInto(msg, body, 0);
    req.write(encodeFrames([body]));
  };
  return { req, replies, headers, status, send };
}

const echoQC = "testsvc.TestService.EchoQC";

describe('wire "ordering" (Go Gorums v0.11.0) between our client and our servers', () => {
  it("quorum calls, rpcs, errors and multicasts work as on the current wire", async () => {
    const servers = await startTestServers(3);
    const config = configOf(servers, { wire: "ordering" });
    const all = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "q" }).results().collectAll();
    expect([...all.values()].map((r) => r.value)).toEqual(["echo: q", "echo: q", "echo: q"]);
    const node = config.nodes()[0]!;
    expect((await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "r" })).value).toBe("echo: r");
    const err = await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echo, { value: `fail:${Code.NotFound}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
    expect((err as ConnectError).rawMessage).toBe(`failure ${Code.NotFound}`);
    await multicastCall(config.context({ timeoutMs: 5000 }), TestService.method.write, { value: "m" });
    await waitUntil(() => servers.every((s) => s.state.writes.includes("m")), "every server to get the multicast");
  });

  it("the server answers in the release's content type, announces no cancels, and echoes method and sequence number", async () => {
    const [s] = await startTestServers(1);
    const stream = openOrderingStream(s!.addr);
    stream.send(requestMessage(77n, echoQC, payloadOf(RequestSchema, { value: "raw" }), []));
    const headers = await stream.headers;
    expect(headers[":status"]).toBe(200);
    expect(headers["content-type"]).toBe("application/grpc+gorums");
    expect(headers["gorums-capabilities"]).toBeUndefined();
    await waitUntil(() => stream.replies.length === 1, "the reply");
    expect(stream.replies[0]).toMatchObject({ messageSeqNo: 77n, method: echoQC });
    expect(stream.replies[0]!.status?.code ?? 0).toBe(0);
  });

  it("a stream on the release's wire is served as an external client (node 0), never a client peer, even when it announces gorums-node-id 0", async () => {
    const server = testServer();
    server.registerHandler("testsvc.TestService.Echo", twoWayHandler(TestService.method.echo, (ctx, req) => ({ value: `${ctx.peer.nodeID}:${req.value}` })));
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]), { wire: "ordering", metadata: { "gorums-node-id": "0" } });
    const r = await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "q" });
    expect(r.value).toBe("0:q");
    expect(server.clientConfig().size).toBe(0);
  });

  it("refuses the current wire's content type on the release's path (415, InvalidArgument) and keeps serving", async () => {
    const [s] = await startTestServers(1);
    const wrong = openOrderingStream(s!.addr, "application/grpc");
    expect((await wrong.headers)[":status"]).toBe(415);
    expect(await wrong.status).toBe(String(Code.InvalidArgument));
    const config = configOf([s!], { wire: "ordering" });
    expect((await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "after" })).value).toBe("echo: after");
  });

  it("ends a stream that sends a malformed frame with Internal, and serves the other streams on", async () => {
    const [s] = await startTestServers(1);
    const bad = openOrderingStream(s!.addr);
    bad.req.write(encodeFrames([new Uint8Array([9, 0x08, 1])])); // a metadata length past the frame
    expect(await bad.status).toBe(String(Code.Internal));
    const good = openOrderingStream(s!.addr);
    good.send(requestMessage(1n, echoQC, payloadOf(RequestSchema, { value: "ok" }), []));
    await waitUntil(() => good.replies.length === 1, "the other stream's reply");
    expect(good.replies[0]!.messageSeqNo).toBe(1n);
  });

  it("rejects the options the release's wire cannot carry", async () => {
    const [s] = await startTestServers(1);
    const server = new Server();
    cleanup(() => server.stop());
    expect(() => testConfig(withNodeList([s!.addr]), { wire: "ordering", protocol: "connect" })).toThrow(/gRPC only/);
    expect(() => testConfig(withNodeList([s!.addr]), { wire: "ordering", server })).toThrow(/no calls back/);
  });
});
