/**
 * Any Server knows its client peers (Go's NewServer always does): a client
 * that dials a plain `new Server()` (no InboundManager) with
 * `ManagerOptions.server` appears in `server.clientConfig()`, the server can
 * quorum-call it back, and it leaves when it closes. A client without
 * `ManagerOptions.server` stays an untracked external client.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CLIENT_ID_BASE, newConfig, quorumCall, Server, twoWayHandler, withNodes } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { waitUntil } from "../symmetric/helpers.js";

function echoServer(name: string): Server {
  const server = new Server();
  server.registerHandler(
    "testsvc.TestService.Echo",
    twoWayHandler(TestService.method.echo, (ctx, req) => ({ value: `${name}:${ctx.peer.nodeID}:${req.value}` })),
  );
  return server;
}

describe("a plain Server's client peers", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) {
      await c();
    }
  });

  it("lists a client that serves calls in clientConfig() and quorum-calls it back", async () => {
    const server = echoServer("server");
    const addr = await server.listen("127.0.0.1:0");
    cleanups.push(() => server.stop());
    const clientServer = echoServer("client");
    const config = newConfig(withNodes({ 1: addr }), { server: clientServer });
    cleanups.push(() => config.close());
    const plain = newConfig(withNodes({ 1: addr }));
    cleanups.push(() => plain.close());

    await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hi" }).all();
    await quorumCall(plain.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hi" }).all();
    expect(server.clientConfig().size).toBe(1);
    const id = server.clientConfig().nodeIDs()[0] as number;
    expect(id).toBeGreaterThanOrEqual(CLIENT_ID_BASE);

    const back = await quorumCall(server.clientConfig().context({ timeoutMs: 5000 }), TestService.method.echo, { value: "back" }).all();
    expect(back.value).toBe("client:1:back");

    await config.close();
    await waitUntil(() => server.clientConfig().size === 0, "the client peer to leave");
  });
});
