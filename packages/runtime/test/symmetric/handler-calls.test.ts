/**
 * Handlers that call out through `ctx.config()` (Go behaviors 38, 80, 83): a
 * handler that releases its stream and then makes a nested quorum call over
 * its replicas ("outer-call | inner-echo: outer-call") with majority, all and
 * a full drain of the results, the self node answering exactly once; a
 * handler that does not release cannot get its own (self-node) reply, since
 * the self node is served one request at a time as a stream is; a handler
 * multicasting to `ctx.config()` (3 replicas → 9 deliveries).
 */
import { describe, expect, it } from "vitest";
import {
  type Configuration,
  multicastCall,
  newConfig,
  oneWayHandler,
  QuorumCallError,
  quorumCall,
  type ServerCtx,
  twoWayHandler,
  withNodes,
} from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { type Replicas, startReplicas } from "./helpers.js";
import { sleep, waitUntil } from "../helpers/wait.js";
import { cleanup } from "../helpers/test-servers.js";

type Inner = "majority" | "all" | "drain" | "no-release";

/** The outer handler: `value` is "<inner kind>:<text>". */
async function outer(ctx: ServerCtx, value: string): Promise<string> {
  const colon = value.indexOf(":");
  const kind = value.slice(0, colon) as Inner;
  const text = value.slice(colon + 1);
  if (kind !== "no-release") {
    ctx.release();
  }
  const inner = quorumCall(ctx.config().context({ timeoutMs: kind === "no-release" ? 500 : 5000 }), TestService.method.echo, { value: text });
  switch (kind) {
    case "majority":
      return `${text} | ${(await inner.majority()).value}`;
    case "all":
    case "no-release":
      return `${text} | ${(await inner.all()).value}`;
    case "drain": {
      const seen: number[] = [];
      let value = "";
      for await (const r of inner.results()) {
        if (r.error !== undefined) {
          throw r.error;
        }
        seen.push(r.nodeID);
        value = r.value?.value ?? "";
      }
      return `${text} | ${value} | from ${seen.sort().join(",")}`;
    }
  }
}

describe("handlers calling their replicas through ctx.config()", () => {
  let mesh: Replicas | undefined;

  async function start(): Promise<Replicas> {
    const innerCalls = new Map<number, number>();
    mesh = await startReplicas(
      3,
      () => ({}),
      (r, id) => {
        r.system.server.registerHandler(
          "testsvc.TestService.EchoQC",
          twoWayHandler(TestService.method.echoQC, async (ctx, req) => ({ value: await outer(ctx, req.value), num: BigInt(id) })),
        );
        r.system.server.registerHandler(
          "testsvc.TestService.Echo",
          twoWayHandler(TestService.method.echo, (_ctx, req) => {
            innerCalls.set(id, (innerCalls.get(id) ?? 0) + 1);
            return { value: `inner-echo: ${req.value}`, num: BigInt(id) };
          }),
        );
      },
    );
    await Promise.all(mesh.replicas.map((r) => r.system.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })));
    return mesh;
  }

  for (const kind of ["majority", "all", "drain"] as const) {
    it(`release() then a nested quorum call (${kind}) over ctx.config()`, async () => {
      const m = await start();
      const from1 = (m.replicas[0]?.system.inboundConfig() as Configuration).context({ timeoutMs: 10_000 });
      // Replica 1 calls all three, itself in-process included: each handler calls all three again.
      const replies = await quorumCall(from1, TestService.method.echoQC, { value: `${kind}:outer-call` }).results().collectAll();
      expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
      for (const reply of replies.values()) {
        expect(reply.value).toBe(kind === "drain" ? "outer-call | inner-echo: outer-call | from 1,2,3" : "outer-call | inner-echo: outer-call");
      }
      // And from an external client, which is not a replica.
      const client = newConfig(withNodes(m.addrs));
      cleanup(() => client.close());
      const viaClient = await quorumCall(client.context({ timeoutMs: 10_000 }), TestService.method.echoQC, { value: `${kind}:outer-call` }).all();
      expect(viaClient.value).toMatch(/^outer-call \| inner-echo: outer-call/);
    });
  }

  it("without release(), the self node cannot answer a nested call: it is served one request at a time", async () => {
    const m = await start();
    const self = (m.replicas[0]?.system.inboundConfig() as Configuration).remove(2, 3);
    expect(self.nodeIDs()).toEqual([1]);
    const err = await quorumCall(self.context({ timeoutMs: 10_000 }), TestService.method.echoQC, { value: "no-release:outer-call" })
      .all()
      .catch((e: unknown) => e);
    // The outer call fails because its inner all() gave up waiting for the self node.
    expect(err).toBeInstanceOf(QuorumCallError);
    const nodeErr = (err as QuorumCallError).nodeErrors;
    expect(nodeErr.map((e) => e.nodeID)).toEqual([1]);
    // The outer handler's own failure: its inner call to node 1 (itself) missed its 500 ms deadline.
    expect(nodeErr[0]?.error.message).toMatch(/incomplete call[\s\S]*node 1: \[deadline_exceeded\]/);
  });

  it("a handler multicasting to ctx.config(): 3 replicas × 3 = 9 deliveries", async () => {
    const leaves = new Map<number, string[]>();
    mesh = await startReplicas(
      3,
      () => ({}),
      (r, id) => {
        leaves.set(id, []);
        r.system.server.registerHandler(
          "testsvc.TestService.Write",
          oneWayHandler(TestService.method.write, async (ctx, req) => {
            if (req.value === "fanout") {
              await multicastCall(ctx.config().context(), TestService.method.write, { value: `leaf from ${id}` });
            } else {
              leaves.get(id)?.push(req.value);
            }
          }),
        );
      },
    );
    const m = mesh;
    await Promise.all(m.replicas.map((r) => r.system.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })));
    await multicastCall((m.replicas[1]?.system.inboundConfig() as Configuration).context(), TestService.method.write, { value: "fanout" });
    const total = () => [...leaves.values()].reduce((n, l) => n + l.length, 0);
    await waitUntil(() => total() >= 9, "9 deliveries");
    await sleep(200);
    expect(total()).toBe(9);
    for (const l of leaves.values()) {
      expect([...l].sort()).toEqual(["leaf from 1", "leaf from 2", "leaf from 3"]);
    }
  });
});
