/**
 * ServerOptions.routes (issue 2 item 7): an ordinary Connect service is
 * co-hosted on the Gorums server's port — TestService served as a plain
 * Connect unary service, called with connect-node clients over the gRPC and
 * the Connect protocol — while Gorums calls on the same port keep working;
 * methods the co-hosted service leaves out are Unimplemented.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { Server, quorumCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { cleanup, registerTestService, testConfig, testServer } from "../helpers/test-servers.js";

describe("co-hosted Connect services", () => {
  let server: Server | undefined;

  async function start(): Promise<string> {
    server = testServer({
      routes: (router) => {
        router.service(TestService, {
          echo: (req) => ({ value: `connect: ${req.value}`, num: req.num + 1n }),
        });
      },
    });
    registerTestService(server, { writes: [], nums: [], delayMs: 0, streamReplies: 1 }, 7);
    return server.listen("127.0.0.1:0");
  }

  function session(addr: string): Http2SessionManager {
    const s = new Http2SessionManager(`http://${addr}`);
    cleanup(() => s.abort());
    return s;
  }

  it("serves an ordinary unary method over gRPC on the same port", async () => {
    const addr = await start();
    const client = createClient(TestService, createGrpcTransport({ baseUrl: `http://${addr}`, sessionManager: session(addr) }));
    const reply = await client.echo({ value: "hi", num: 41n });
    expect(reply.value).toBe("connect: hi");
    expect(reply.num).toBe(42n);
  });

  it("serves it over the Connect protocol too", async () => {
    const addr = await start();
    const client = createClient(
      TestService,
      createConnectTransport({ baseUrl: `http://${addr}`, httpVersion: "2", sessionManager: session(addr) }),
    );
    expect((await client.echo({ value: "json" })).value).toBe("connect: json");
  });

  it("answers Unimplemented for a method the co-hosted service does not implement", async () => {
    const addr = await start();
    const client = createClient(TestService, createGrpcTransport({ baseUrl: `http://${addr}`, sessionManager: session(addr) }));
    const err = await client.echoRPC({ value: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
  });

  it("Gorums calls keep working next to the co-hosted service", async () => {
    const addr = await start();
    const config = testConfig(withNodeList([addr]));
    const client = createClient(TestService, createGrpcTransport({ baseUrl: `http://${addr}`, sessionManager: session(addr) }));
    const [gorums, plain] = await Promise.all([
      quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "g" }).all(),
      client.echo({ value: "p" }),
    ]);
    expect(gorums.value).toBe("echo: g");
    expect(gorums.num).toBe(7n);
    expect(plain.value).toBe("connect: p");
  });
});
