/**
 * `node.connected` and `ManagerOptions.keepConnected` (issue 17, item 11: a
 * monitor can tell which nodes are reachable without making calls). Without
 * keepConnected a node connects with its first call; with it, at once, and
 * again after its server went away and a new one listens on the same port.
 * Real servers on 127.0.0.1.
 */
import { describe, expect, it } from "vitest";
import { rpcCall, Server } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { cleanup, configOf, registerTestService, startTestServers } from "../helpers/test-servers.js";
import { useTestServers } from "../calls/util.js";
import { waitUntil } from "../helpers/wait.js";

describe("node.connected", () => {
  const servers = useTestServers();

  it("is false until the first call without keepConnected, then true", async () => {
    const { config } = await servers.use(startTestServers(1));
    const node = config.node(1)!;
    expect(node.connected).toBe(false);
    await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" });
    expect(node.connected).toBe(true);
  });

  it("with keepConnected: connects at once, goes false when the server stops, and true when one listens again", async () => {
    const { servers: started } = await servers.use(startTestServers(2));
    const config = configOf(started, { keepConnected: true, backoff: { initialMs: 20, maxMs: 100, jitter: 0 } });
    const [first, second] = config.nodes();
    await waitUntil(() => first!.connected && second!.connected, "both nodes connected without a call", 10_000);

    const addr = started[0]!.addr;
    await started[0]!.server.stop();
    await waitUntil(() => !first!.connected, "node 1 disconnected", 10_000);
    expect(first!.lastError).toBeDefined();
    expect(second!.connected).toBe(true);

    const replacement = new Server();
    cleanup(() => replacement.stop());
    registerTestService(replacement, { writes: [], nums: [], delayMs: 0, streamReplies: 1 }, 1);
    expect(await replacement.listen(addr)).toBe(addr);
    await waitUntil(() => first!.connected, "node 1 reconnected without a call", 10_000);
  });
});
