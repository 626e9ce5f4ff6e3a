import { describe, expect, it } from "vitest";
import { ErrIncomplete, QuorumCallError, newConfig, quorumCall, withNodeList } from "../src/index.js";
import { TestService } from "./gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer } from "./helpers/test-servers.js";

describe("quorum call", () => {
  let servers: TestServer[] = [];

  it("majority, first and all return the echo", async () => {
    servers = await startTestServers(3);
    const config = newConfig(withNodeList(servers.map((s) => s.addr)));
    try {
      const ctx = config.context({ timeoutMs: 5000 });
      expect((await quorumCall(ctx, TestService.method.echoQC, { value: "test" }).majority()).value).toBe("echo: test");
      expect((await quorumCall(ctx, TestService.method.echoQC, { value: "test" }).first()).value).toBe("echo: test");
      expect((await quorumCall(ctx, TestService.method.echoQC, { value: "test" }).all()).value).toBe("echo: test");
    } finally {
      await config.close();
    }
  });

  for (let stopped = 0; stopped <= 3; stopped++) {
    it(`with ${stopped} of 3 servers stopped: majority ok iff ≤1, first iff ≤2, all iff 0`, async () => {
      servers = await startTestServers(3);
      await Promise.all(servers.slice(0, stopped).map((s) => s.server.stop()));
      const config = newConfig(withNodeList(servers.map((s) => s.addr)));
      try {
        const ctx = config.context({ timeoutMs: 5000 });
        const outcome = async (p: Promise<unknown>) => {
          try {
            await p;
            return "ok";
          } catch (err) {
            expect(err).toBeInstanceOf(QuorumCallError);
            const qcErr = err as QuorumCallError;
            expect(qcErr.cause).toBe(ErrIncomplete);
            // It fails as soon as the quorum is out of reach: the failures are stopped nodes, and
            // every stopped node failed or had not answered yet (Go waits for all: NodeErrors()==k).
            expect(qcErr.nodeErrors.length).toBeGreaterThan(0);
            expect(qcErr.nodeErrors.every((e) => e.nodeID <= stopped)).toBe(true);
            expect(qcErr.nodeErrors.length + (qcErr.counts?.notAnswered ?? 0)).toBeGreaterThanOrEqual(stopped);
            return "incomplete";
          }
        };
        expect(await outcome(quorumCall(ctx, TestService.method.echoQC, { value: "x" }).majority())).toBe(stopped <= 1 ? "ok" : "incomplete");
        expect(await outcome(quorumCall(ctx, TestService.method.echoQC, { value: "x" }).first())).toBe(stopped <= 2 ? "ok" : "incomplete");
        expect(await outcome(quorumCall(ctx, TestService.method.echoQC, { value: "x" }).all())).toBe(stopped === 0 ? "ok" : "incomplete");
      } finally {
        await config.close();
      }
    });
  }
});
