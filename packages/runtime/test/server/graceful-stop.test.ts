/**
 * stop({ graceMs }): requests in flight finish, new ones are refused with
 * Unavailable "server is stopping"; a plain stop() fails calls in flight.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type Configuration, rpcCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer, testConfig } from "../helpers/test-servers.js";

describe("graceful stop", () => {
  let servers: TestServer[] = [];

  async function setup(): Promise<{ server: TestServer; a: Configuration; b: Configuration }> {
    servers = await startTestServers(1);
    const server = servers[0] as TestServer;
    server.state.delayMs = 300;
    // Two clients, so that the second one's call is not queued behind the first on one stream.
    const a = testConfig(withNodeList([server.addr]));
    const b = testConfig(withNodeList([server.addr]));
    return { server, a, b };
  }

  it("lets a call in flight finish and refuses a new one with Unavailable", async () => {
    const { server, a, b } = await setup();
    const inFlight = rpcCall(a.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "first" });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = server.server.stop({ graceMs: 5000 });
    server.state.delayMs = 0;
    const late = await rpcCall(b.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "late" }).catch((e: unknown) => e);
    expect((await inFlight).value).toBe("echo: first");
    await stopped;
    expect(late).toBeInstanceOf(ConnectError);
    expect((late as ConnectError).code).toBe(Code.Unavailable);
  });

  it("without graceMs, a call in flight fails", async () => {
    const { server, a } = await setup();
    const inFlight = rpcCall(a.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "first" }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await server.server.stop();
    const err = await inFlight;
    expect(err).toBeInstanceOf(ConnectError);
  });
});
