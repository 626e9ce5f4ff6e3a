/**
 * Latency measured from real calls (Go behavior 58): a node's latencyMs is -1
 * until measured, then follows the round trips of successful calls, so that
 * byLatency puts a slow server last.
 */
import { describe, expect, it } from "vitest";
import { byLatency, quorumCall, rpcCall } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer } from "../helpers/test-servers.js";
import { configOf } from "./util.js";

describe("latency", () => {
  let servers: TestServer[] = [];

  it("is -1 until measured, then at least the server's delay after calls to a slow server", async () => {
    servers = await startTestServers(1);
    (servers[0] as TestServer).state.delayMs = 20;
    const config = configOf(servers);
    const node = config.nodes()[0];
    expect(node?.latencyMs).toBe(-1);
    for (let i = 0; i < 10; i++) {
      await rpcCall(node!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: "x" });
    }
    expect(node!.latencyMs).toBeGreaterThanOrEqual(20);
  });

  it("orders a slow server last with byLatency after quorum calls", async () => {
    servers = await startTestServers(3);
    (servers[1] as TestServer).state.delayMs = 40;
    const config = configOf(servers);
    for (let i = 0; i < 5; i++) {
      await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x" }).all();
    }
    const sorted = config.sortBy(byLatency).nodeIDs();
    expect(sorted[2]).toBe(2);
    expect(config.node(2)!.latencyMs).toBeGreaterThan(config.node(1)!.latencyMs);
  });
});
