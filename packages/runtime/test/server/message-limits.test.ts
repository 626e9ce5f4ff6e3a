/**
 * Message size limits (like gRPC's 4 MiB default): a request larger than the
 * server's maxMessageBytes fails with ResourceExhausted, and the server keeps
 * serving that client's next calls and other clients.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { type Configuration, newConfig, rpcCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, stopAll, type TestServer } from "../helpers/test-servers.js";

describe("maxMessageBytes", () => {
  let servers: TestServer[] = [];
  const configs: Configuration[] = [];
  afterEach(async () => {
    await Promise.all(configs.splice(0).map((c) => c.close()));
    await stopAll(servers);
    servers = [];
  });

  it("refuses an oversized request with ResourceExhausted and keeps serving", async () => {
    servers = await startTestServers(1, { maxMessageBytes: 1024 });
    const big = newConfig(withNodeList([servers[0]!.addr]), { backoff: { initialMs: 20, maxMs: 50 } });
    const other = newConfig(withNodeList([servers[0]!.addr]));
    configs.push(big, other);
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
    const config = newConfig(withNodeList([servers[0]!.addr]), { maxMessageBytes: 1024, backoff: { initialMs: 20, maxMs: 50 } });
    configs.push(config);
    const err = await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "y".repeat(2000) }).catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
  });
});
