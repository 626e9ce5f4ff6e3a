/**
 * Message size limits (like gRPC's 4 MiB default): a request larger than the
 * server's maxMessageBytes fails with ResourceExhausted, and the server keeps
 * serving that client's next calls and other clients.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { rpcCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer, testConfig } from "../helpers/test-servers.js";

describe("maxMessageBytes", () => {
  let servers: TestServer[] = [];

  it("refuses an oversized request with ResourceExhausted and keeps serving", async () => {
    servers = await startTestServers(1, { maxMessageBytes: 1024 });
    const big = testConfig(withNodeList([servers[0]!.addr]), { backoff: { initialMs: 20, maxMs: 50 } });
    const other = testConfig(withNodeList([servers[0]!.addr]));
    const err = await rpcCall(big.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "x".repeat(4096) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
    const ok = await rpcCall(other.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "small" });
    expect(ok.value).toBe("echo: small");
    // The same client recovers for small messages once its backoff has passed.
    await new Promise((r) => setTimeout(r, 100));
    const again = await rpcCall(big.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "small" });
    expect(again.value).toBe("echo: small");
  });

  it("refuses an oversized reply on the client with ResourceExhausted", async () => {
    servers = await startTestServers(1);
    const config = testConfig(withNodeList([servers[0]!.addr]), { maxMessageBytes: 1024, backoff: { initialMs: 20, maxMs: 50 } });
    const err = await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "y".repeat(2000) }).catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
  });
});
