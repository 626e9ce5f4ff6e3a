/**
 * Server error statuses and reply rules on the wire (DESIGN §2 "Errors" and
 * "One-way calls"; issue 2 item 7), checked with a raw NodeStream that writes
 * envelopes by hand: unknown method → Unimplemented "no handler registered for
 * method <m>"; undecodable payload → InvalidArgument, and the stream and the
 * server keep serving; a thrown ConnectError keeps its code, a plain Error
 * becomes Unknown with its message; error replies echo seqNo and method, set a
 * status and carry no payload; one-way methods never get a success reply; a
 * stream without gorums headers is served; a failing one-way handler sends
 * nothing; a failing streaming handler's error follows its replies with the
 * same seqNo; unimplementedHandler answers Unimplemented "<pkg.Service.Method>
 * is not implemented" for a two-way or streaming method and nothing for a
 * one-way one, after the server interceptors. Also through the client API: the
 * codes arrive as ConnectErrors of an rpc call.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Server, oneWayHandler, rpcCall, streamHandler, twoWayHandler, unimplementedHandler, withNodeList } from "../../src/index.js";
import { RequestSchema, ResponseSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer, testConfig, testServer } from "../helpers/test-servers.js";
import { testRawStream, payloadOf, type RawStream } from "../helpers/raw-stream.js";

const ECHO = "testsvc.TestService.Echo";
const WRITE = "testsvc.TestService.Write";

/** Bytes that are no valid protobuf message: field 1 as a length-delimited string claiming 100 bytes, with 1. */
const GARBAGE = new Uint8Array([0x0a, 0x64, 0x41]);

describe("server error replies (raw stream)", () => {
  let servers: TestServer[] = [];
  let raw: RawStream | undefined;

  it("an unknown method gets Unimplemented with the method name, same seqNo, no payload", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    raw.send(5n, "nope.Service.Missing", payloadOf(RequestSchema, { value: "x" }));
    const reply = await raw.next();
    expect(reply.messageSeqNo).toBe(5n);
    expect(reply.method).toBe("nope.Service.Missing");
    expect(reply.status?.code).toBe(Code.Unimplemented);
    expect(reply.status?.message).toBe("no handler registered for method nope.Service.Missing");
    expect(reply.payload.length).toBe(0);
  });

  it("an undecodable payload gets InvalidArgument, and the same stream serves the next request", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    raw.send(1n, ECHO, GARBAGE);
    const bad = await raw.next();
    expect(bad.messageSeqNo).toBe(1n);
    expect(bad.status?.code).toBe(Code.InvalidArgument);
    expect(bad.payload.length).toBe(0);

    raw.send(2n, ECHO, payloadOf(RequestSchema, { value: "after" }));
    const good = await raw.next();
    expect(good.messageSeqNo).toBe(2n);
    expect(good.status).toBeUndefined();
    expect(fromBinary(ResponseSchema, good.payload).value).toBe("echo: after");
    // The handler never saw the undecodable request.
    expect(servers[0]!.state.nums).toEqual([0n]);
  });

  it("an undecodable payload leaves the server serving other streams and clients", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    raw.send(1n, ECHO, GARBAGE);
    expect((await raw.next()).status?.code).toBe(Code.InvalidArgument);
    const other = testRawStream(servers[0]!.addr);
    try {
      other.send(1n, ECHO, payloadOf(RequestSchema, { value: "other" }));
      expect(fromBinary(ResponseSchema, (await other.next()).payload).value).toBe("echo: other");
    } finally {
      other.close();
    }
  });

  it("a thrown ConnectError keeps its code and message", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    raw.send(3n, ECHO, payloadOf(RequestSchema, { value: `fail:${Code.PermissionDenied}` }));
    const reply = await raw.next();
    expect(reply.messageSeqNo).toBe(3n);
    expect(reply.method).toBe(ECHO);
    expect(reply.status?.code).toBe(Code.PermissionDenied);
    expect(reply.status?.message).toBe(`failure ${Code.PermissionDenied}`);
    expect(reply.payload.length).toBe(0);
  });

  it("a thrown plain Error becomes Unknown with its message", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    raw.send(4n, ECHO, payloadOf(RequestSchema, { value: "fail:0" }));
    const reply = await raw.next();
    expect(reply.messageSeqNo).toBe(4n);
    expect(reply.status?.code).toBe(Code.Unknown);
    expect(reply.status?.message).toBe("plain failure");
    expect(reply.payload.length).toBe(0);
  });

  it("a one-way method gets no success reply: Write 7 then Echo 8 → only 8 is answered", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    raw.send(7n, WRITE, payloadOf(RequestSchema, { value: "w", num: 7n }));
    raw.send(8n, ECHO, payloadOf(RequestSchema, { value: "e", num: 8n }));
    const reply = await raw.next();
    expect(reply.messageSeqNo).toBe(8n);
    // Requests on one stream run in order: the write ran before the echo answered.
    expect(servers[0]!.state.writes).toEqual(["w"]);
    // Nothing else arrives (a late reply for 7 would be buffered by now or soon).
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.buffered).toEqual([]);
  });

  it("a raw stream without gorums headers is served", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    raw.send(1n, ECHO, payloadOf(RequestSchema, { value: "anon" }));
    const reply = await raw.next();
    expect(reply.status).toBeUndefined();
    expect(fromBinary(ResponseSchema, reply.payload).value).toBe("echo: anon");
  });

  it("replies are demultiplexed by seqNo: a large seqNo is echoed unchanged", async () => {
    servers = await startTestServers(1);
    raw = testRawStream(servers[0]!.addr);
    const seq = (1n << 62n) + 12345n;
    raw.send(seq, ECHO, payloadOf(RequestSchema, { value: "big" }));
    expect((await raw.next()).messageSeqNo).toBe(seq);
  });
});

describe("failing one-way and streaming handlers (raw stream)", () => {
  let server: Server | undefined;
  let raw: RawStream | undefined;

  async function startFailing(): Promise<string> {
    server = testServer();
    server.registerHandler(
      "testsvc.TestService.WriteUnicast",
      oneWayHandler(TestService.method.writeUnicast, () => {
        throw new ConnectError("one-way failure", Code.Aborted);
      }),
    );
    server.registerHandler(
      "testsvc.TestService.EchoStream",
      streamHandler(TestService.method.echoStream, async (_ctx, req, send) => {
        await send({ value: `first ${req.value}` });
        throw new ConnectError("stream failure", Code.ResourceExhausted);
      }),
    );
    server.registerHandler("testsvc.TestService.Echo", twoWayHandler(TestService.method.echo, (_ctx, req) => ({ value: req.value })));
    return server.listen("127.0.0.1:0");
  }

  it("a failing one-way handler sends nothing, and the stream serves on", async () => {
    raw = testRawStream(await startFailing());
    raw.send(1n, "testsvc.TestService.WriteUnicast", payloadOf(RequestSchema, { value: "w" }));
    raw.send(2n, ECHO, payloadOf(RequestSchema, { value: "e" }));
    const reply = await raw.next();
    expect(reply.messageSeqNo).toBe(2n);
    expect(reply.status).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.buffered).toEqual([]);
  });

  it("a failing streaming handler sends its replies, then the error status, all with the request's seqNo", async () => {
    raw = testRawStream(await startFailing());
    raw.send(9n, "testsvc.TestService.EchoStream", payloadOf(RequestSchema, { value: "s" }));
    const first = await raw.next();
    expect(first.messageSeqNo).toBe(9n);
    expect(first.status).toBeUndefined();
    expect(fromBinary(ResponseSchema, first.payload).value).toBe("first s");
    const last = await raw.next();
    expect(last.messageSeqNo).toBe(9n);
    expect(last.method).toBe("testsvc.TestService.EchoStream");
    expect(last.status?.code).toBe(Code.ResourceExhausted);
    expect(last.status?.message).toBe("stream failure");
    expect(last.payload.length).toBe(0);
  });
});

describe("unimplementedHandler (raw stream)", () => {
  let server: Server | undefined;
  let raw: RawStream | undefined;

  it("answers a two-way and a streaming method Unimplemented with the full method name, a one-way one nothing; interceptors see each", async () => {
    const seen: string[] = [];
    server = testServer({
      interceptors: [
        (ctx, req, next) => {
          seen.push(ctx.method);
          return next(ctx, req);
        },
      ],
    });
    server.registerHandler("testsvc.TestService.EchoQC", unimplementedHandler(TestService.method.echoQC, "twoway"));
    server.registerHandler("testsvc.TestService.EchoStream", unimplementedHandler(TestService.method.echoStream, "stream"));
    server.registerHandler("testsvc.TestService.WriteUnicast", unimplementedHandler(TestService.method.writeUnicast, "oneway"));
    server.registerHandler(ECHO, twoWayHandler(TestService.method.echo, (_ctx, req) => ({ value: req.value })));
    raw = testRawStream(await server.listen("127.0.0.1:0"));
    raw.send(1n, "testsvc.TestService.EchoQC", payloadOf(RequestSchema, { value: "q" }));
    raw.send(2n, "testsvc.TestService.EchoStream", payloadOf(RequestSchema, { value: "s" }));
    raw.send(3n, "testsvc.TestService.WriteUnicast", payloadOf(RequestSchema, { value: "w" }));
    raw.send(4n, ECHO, payloadOf(RequestSchema, { value: "e" }));
    for (const [seqNo, method] of [
      [1n, "testsvc.TestService.EchoQC"],
      [2n, "testsvc.TestService.EchoStream"],
    ] as const) {
      const reply = await raw.next();
      expect(reply.messageSeqNo).toBe(seqNo);
      expect(reply.method).toBe(method);
      expect(reply.status?.code).toBe(Code.Unimplemented);
      expect(reply.status?.message).toBe(`${method} is not implemented`);
      expect(reply.payload.length).toBe(0);
    }
    const echoed = await raw.next();
    expect(echoed.messageSeqNo).toBe(4n);
    expect(fromBinary(ResponseSchema, echoed.payload).value).toBe("e");
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.buffered).toEqual([]);
    expect(seen).toEqual(["testsvc.TestService.EchoQC", "testsvc.TestService.EchoStream", "testsvc.TestService.WriteUnicast", ECHO]);
  });
});

describe("server error codes through the client API", () => {
  let servers: TestServer[] = [];

  it("an rpc rejects with the handler's ConnectError code, or Unknown for a plain Error", async () => {
    servers = await startTestServers(1);
    const config = testConfig(withNodeList([servers[0]!.addr]));
    const ctx = config.nodes()[0]!.context({ timeoutMs: 5000 });
    const codeOf = async (value: string) => {
      try {
        await rpcCall(ctx, TestService.method.echoRPC, { value });
        return "ok";
      } catch (err) {
        expect(err).toBeInstanceOf(ConnectError);
        return (err as ConnectError).code;
      }
    };
    // Thrown from a handler that returns its reply, and rejected from one that returns a promise.
    for (const how of ["fail", "fail-async"]) {
      expect(await codeOf(`${how}:${Code.NotFound}`)).toBe(Code.NotFound);
      expect(await codeOf(`${how}:${Code.FailedPrecondition}`)).toBe(Code.FailedPrecondition);
      expect(await codeOf(`${how}:0`)).toBe(Code.Unknown);
    }
    expect(await codeOf("fine")).toBe("ok");
  });
});
