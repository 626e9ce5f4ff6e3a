/**
 * Any Server knows its client peers (Go's NewServer always does): a client
 * that dials a plain `new Server()` (no InboundManager) with
 * `ManagerOptions.server` appears in `server.clientConfig()`, the server can
 * quorum-call it back, and it leaves when it closes. Its calls' handlers see
 * its assigned ID as `ctx.peer.nodeID`, the ID of its node in
 * `ctx.clientConfig()`. Any `gorums-node-id` parsing to 0 (Go behavior 72)
 * makes a client peer; a client without `ManagerOptions.server`, a positive
 * ID or a `gorums-addr` stays an untracked external client.
 */
import { describe, expect, it } from "vitest";
import { CLIENT_ID_BASE, newConfig, quorumCall, rpcCall, Server, twoWayHandler, withNodes } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { waitUntil } from "../helpers/wait.js";
import { cleanup } from "../helpers/test-servers.js";

function echoServer(name: string): Server {
  const server = new Server();
  server.registerHandler(
    "testsvc.TestService.Echo",
    twoWayHandler(TestService.method.echo, (ctx, req) => ({ value: `${name}:${ctx.peer.nodeID}:${req.value}` })),
  );
  return server;
}

describe("a plain Server's client peers", () => {

  it("lists a client that serves calls in clientConfig() and quorum-calls it back", async () => {
    const server = echoServer("server");
    const addr = await server.listen("127.0.0.1:0");
    cleanup(() => server.stop());
    const clientServer = echoServer("client");
    const config = newConfig(withNodes({ 1: addr }), { server: clientServer });
    cleanup(() => config.close());
    const plain = newConfig(withNodes({ 1: addr }));
    cleanup(() => plain.close());

    const first = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hi" }).all();
    // The external client is served as node 0 and never listed.
    expect((await quorumCall(plain.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hi" }).all()).value).toBe("server:0:hi");
    expect(server.clientConfig().size).toBe(1);
    const id = server.clientConfig().nodeIDs()[0] as number;
    expect(id).toBeGreaterThanOrEqual(CLIENT_ID_BASE);
    // The client peer's handler saw its assigned ID.
    expect(first.value).toBe(`server:${id}:hi`);

    const back = await quorumCall(server.clientConfig().context({ timeoutMs: 5000 }), TestService.method.echo, { value: "back" }).all();
    expect(back.value).toBe("client:1:back");

    await config.close();
    await waitUntil(() => server.clientConfig().size === 0, "the client peer to leave");
  });

  it("a handler finds its client-peer caller in ctx.clientConfig() by ctx.peer.nodeID and calls it back", async () => {
    const server = new Server();
    server.registerHandler(
      "testsvc.TestService.Echo",
      twoWayHandler(TestService.method.echo, async (ctx, req) => {
        const caller = ctx.clientConfig().node(ctx.peer.nodeID);
        if (caller === undefined) {
          return { value: "caller not found" };
        }
        const back = await rpcCall(caller.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "nested" });
        return { value: `${req.value}+${back.value}` };
      }),
    );
    const addr = await server.listen("127.0.0.1:0");
    cleanup(() => server.stop());
    const config = newConfig(withNodes({ 1: addr }), { server: echoServer("client") });
    cleanup(() => config.close());
    const reply = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hi" }).all();
    expect(reply.value).toBe("hi+client:1:nested");
  });

  it("any gorums-node-id parsing to 0 is a client peer; a positive ID or a gorums-addr is not", async () => {
    const server = echoServer("server");
    const addr = await server.listen("127.0.0.1:0");
    cleanup(() => server.stop());
    const dial = async (metadata: Record<string, string>) => {
      const config = newConfig(withNodes({ 1: addr }), { metadata });
      cleanup(() => config.close());
      return (await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "hi" }).all()).value;
    };
    expect(await dial({ "gorums-node-id": "7" })).toBe("server:0:hi");
    expect(await dial({ "gorums-addr": "127.0.0.1:1" })).toBe("server:0:hi");
    expect(await dial({ "gorums-node-id": "0", "gorums-addr": "127.0.0.1:1" })).toBe("server:0:hi");
    expect(server.clientConfig().size).toBe(0);
    const abc = await dial({ "gorums-node-id": "abc" });
    expect(server.clientConfig().size).toBe(1);
    expect(abc).toBe(`server:${server.clientConfig().nodeIDs()[0]}:hi`);
  });
});
