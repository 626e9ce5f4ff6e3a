/** newLocalSystems: a full mesh of replicas with one connection per pair, calls in both directions. */
import { describe, expect, it } from "vitest";
import { multicastCall, newLocalSystems, quorumCall, type System } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { establishedConnectionsTo } from "../helpers/tcp-connections.js";
import { cleanup, registerTestService, type TestServerState } from "../helpers/test-servers.js";

function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(":") + 1));
}

describe("newLocalSystems", () => {

  for (const n of [3, 5]) {
    it(`${n} replicas: every inboundConfig reaches ${n}, with ${(n * (n - 1)) / 2} connections`, async () => {
      const states: TestServerState[] = [];
      const local = await newLocalSystems(n);
      cleanup(local.stop);
      local.systems.forEach((s, i) => {
        const state: TestServerState = { writes: [], nums: [], delayMs: 0, streamReplies: 3 };
        states.push(state);
        registerTestService(s.server, state, i + 1);
      });
      await Promise.all(local.systems.map((s) => s.waitForConfig((c) => c.size === n, { signal: AbortSignal.timeout(5000) })));
      // Let losing duplicate connections close.
      const ports = local.systems.map((s) => portOf(s.addr));
      const want = (n * (n - 1)) / 2;
      const deadline = Date.now() + 5000;
      while (establishedConnectionsTo(ports) !== want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(establishedConnectionsTo(ports)).toBe(want);

      for (const s of local.systems) {
        const reply = await quorumCall(s.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: `from ${s.myID}` }).all();
        expect(reply.value).toBe(`echo: from ${s.myID}`);
      }
      await multicastCall((local.systems[0] as System).inboundConfig().context(), TestService.method.write, { value: "hello" });
      const deadline2 = Date.now() + 5000;
      while (states.some((st) => !st.writes.includes("hello")) && Date.now() < deadline2) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(states.map((st) => st.writes.filter((w) => w === "hello").length)).toEqual(states.map(() => 1));
    });
  }
});
