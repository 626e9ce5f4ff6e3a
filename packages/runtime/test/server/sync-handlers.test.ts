/**
 * Handlers written without `async` (the dispatcher's synchronous path, issue
 * 6): a reply returned directly is sent; requests pipelined on one stream
 * are served one at a time in arrival order, a synchronous handler between
 * asynchronous ones included; a synchronous throw becomes a status reply
 * (a ConnectError keeps its code, anything else is Unknown) and the stream
 * goes on serving; a synchronous one-way handler runs for every message; and
 * a synchronous handler that blocks nothing still lets an asynchronous one
 * before it hold it back (FIFO, Go behavior 36).
 */
import { type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { oneWayHandler, rpcCall, Server, twoWayHandler, unicastCall, withNodeList } from "../../src/index.js";
import { type RequestSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { testConfig, testServer } from "../helpers/test-servers.js";

type Req = MessageShape<typeof RequestSchema>;

describe("synchronous handlers", () => {
  let server: Server | undefined;

  /** EchoRPC answers synchronously except for "slow:<ms>"; "throw"/"boom" throw; Write logs one-way messages. */
  async function start() {
    const log: string[] = [];
    server = testServer();
    server.registerHandler(
      "testsvc.TestService.EchoRPC",
      twoWayHandler(TestService.method.echoRPC, (_ctx, req: Req) => {
        log.push(`start ${req.value}`);
        if (req.value === "throw") {
          throw new ConnectError("no such key", Code.NotFound);
        }
        if (req.value === "boom") {
          throw new Error("plain error");
        }
        if (req.value.startsWith("slow:")) {
          return new Promise((resolve) =>
            setTimeout(() => {
              log.push(`end ${req.value}`);
              resolve({ value: `echo: ${req.value}` });
            }, Number(req.value.slice(5))),
          );
        }
        log.push(`end ${req.value}`);
        return { value: `echo: ${req.value}`, num: req.num };
      }),
    );
    server.registerHandler(
      "testsvc.TestService.WriteUnicast",
      oneWayHandler(TestService.method.writeUnicast, (_ctx, req: Req) => {
        log.push(`write ${req.value}`);
      }),
    );
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]));
    return { log, ctx: () => config.nodes()[0]!.context({ timeoutMs: 10_000 }) };
  }

  it("answer with the returned reply, in arrival order, behind an asynchronous handler that came first", async () => {
    const { log, ctx } = await start();
    const calls = ["slow:50", "a", "b", "slow:10", "c"].map((value, num) => rpcCall(ctx(), TestService.method.echoRPC, { value, num: BigInt(num) }));
    const replies = await Promise.all(calls);
    expect(replies.map((r) => r.value)).toEqual(["echo: slow:50", "echo: a", "echo: b", "echo: slow:10", "echo: c"]);
    expect(replies[2]!.num).toBe(2n);
    // One at a time: each starts only after the one before it ended.
    expect(log).toEqual(["start slow:50", "end slow:50", "start a", "end a", "start b", "end b", "start slow:10", "end slow:10", "start c", "end c"]);
  });

  it("a synchronous throw is a status reply, and the stream goes on serving", async () => {
    const { ctx } = await start();
    const [notFound, unknown, after] = await Promise.allSettled([
      rpcCall(ctx(), TestService.method.echoRPC, { value: "throw" }),
      rpcCall(ctx(), TestService.method.echoRPC, { value: "boom" }),
      rpcCall(ctx(), TestService.method.echoRPC, { value: "after" }),
    ]);
    expect(notFound.status === "rejected" && ConnectError.from(notFound.reason).code).toBe(Code.NotFound);
    expect(notFound.status === "rejected" && ConnectError.from(notFound.reason).rawMessage).toBe("no such key");
    expect(unknown.status === "rejected" && ConnectError.from(unknown.reason).code).toBe(Code.Unknown);
    expect(after.status === "fulfilled" && after.value.value).toBe("echo: after");
  });

  it("a synchronous one-way handler runs once per message, in order, between two-way calls", async () => {
    const { log, ctx } = await start();
    for (let i = 0; i < 20; i++) {
      await unicastCall(ctx(), TestService.method.writeUnicast, { value: `w${i}` });
    }
    // The rpc after them is served after every one of them (same stream, FIFO).
    expect((await rpcCall(ctx(), TestService.method.echoRPC, { value: "last" })).value).toBe("echo: last");
    expect(log.filter((l) => l.startsWith("write"))).toEqual(Array.from({ length: 20 }, (_, i) => `write w${i}`));
    expect(log.indexOf("start last")).toBeGreaterThan(log.indexOf("write w19"));
  });
});
