/**
 * A call's end reaches the servers (issue 14), over real streams on
 * loopback: a handler sees its signal abort (DeadlineExceeded) within 100 ms
 * of its caller's deadline; a majority quorum call cancels the servers still
 * working once it has its majority (their signals abort with Canceled and
 * their loops stop); a stopped iteration and an aborted signal cancel too;
 * 1,000 streaming calls ended early leave no handler, timer or listener on
 * the servers; the self node of a System is cancelled as a stream would be.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { newLocalSystems, quorumCall, quorumCallStream, rpcCall, type ServerCtx } from "../../src/index.js";
import { registerTestServiceServer } from "../gen/testsvc/testsvc_gorums.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startServersWith, type TestServer } from "../helpers/test-servers.js";
import { useTestServers } from "./util.js";
import { sleep, waitUntil } from "../helpers/wait.js";

/** What one server's handlers saw of the calls' lifetimes. */
interface Seen {
  /**
   * Per request value: how its handler's signal ended (a gRPC code name),
   * after how many ms of the handler, and when (performance.now()).
   */
  readonly ended: Map<string, { code: string; afterMs: number; at: number }>;
  /** Loop iterations of slow handlers (their "CPU"). */
  iterations: number;
  /** Streaming handlers running now. */
  streaming: number;
}

function newSeen(): Seen {
  return { ended: new Map(), iterations: 0, streaming: 0 };
}

/** Works in 5 ms steps until `ms` passed or the call ended; records how it ended. */
async function work(ctx: ServerCtx, seen: Seen, value: string, ms: number): Promise<void> {
  const start = performance.now();
  let abortedAt = 0;
  ctx.signal.addEventListener("abort", () => (abortedAt = performance.now()), { once: true });
  while (!ctx.signal.aborted && performance.now() - start < ms) {
    seen.iterations++;
    await sleep(5);
  }
  if (ctx.signal.aborted) {
    const reason = ctx.signal.reason;
    seen.ended.set(value, { code: reason instanceof ConnectError ? Code[reason.code] : String(reason), afterMs: abortedAt - start, at: abortedAt });
  }
}

/**
 * Servers whose handlers work for the milliseconds in the value "slow:<ms>"
 * (others answer at once), and whose streaming handler sends until its sends
 * resolve false.
 */
function lifetimeServers(n: number, slowIDs: readonly number[] = []): Promise<TestServer[]> & { seen: Seen[] } {
  const seen = Array.from({ length: n }, newSeen);
  const started = startServersWith(n, (server, _state, id) => {
    const s = seen[id - 1] as Seen;
    const answer = async (ctx: ServerCtx, value: string) => {
      const m = /^slow:(\d+)$/.exec(value);
      if (m !== null && (slowIDs.length === 0 || slowIDs.includes(id))) {
        await work(ctx, s, value, Number(m[1]));
      }
      return { value: `echo: ${value}`, num: BigInt(id) };
    };
    registerTestServiceServer(server, {
      echo: (ctx, req) => answer(ctx, req.value),
      echoRPC: (ctx, req) => answer(ctx, req.value),
      echoQC: (ctx, req) => answer(ctx, req.value),
      async echoStream(_ctx, req, send) {
        s.streaming++;
        try {
          while (await send({ value: req.value, num: BigInt(id) })) {
            await sleep(2);
          }
        } finally {
          s.streaming--;
        }
      },
      write: () => {},
      writeUnicast: () => {},
    });
  });
  return Object.assign(started, { seen });
}

const cluster = useTestServers();

describe("deadlines travel with the request", () => {
  it("a 1.5 s handler under a 200 ms deadline sees its signal abort with DeadlineExceeded within 100 ms of it", async () => {
    const started = lifetimeServers(1);
    const { config } = await cluster.use(started);
    const node = config.node(1)!;
    const callStart = performance.now();
    const err = await rpcCall(node.context({ timeoutMs: 200 }), TestService.method.echoRPC, { value: "slow:1500" }).catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
    await waitUntil(() => started.seen[0]!.ended.has("slow:1500"), "the handler's signal to abort", 1000);
    const ended = started.seen[0]!.ended.get("slow:1500")!;
    expect(ended.code).toBe("DeadlineExceeded");
    // Not before the caller's deadline (the handler may start late on a loaded machine, so
    // this counts from the call), and within 100 ms of it once the handler runs.
    expect(ended.at - callStart).toBeGreaterThanOrEqual(190);
    expect(ended.afterMs).toBeLessThan(300);
  });
});

describe("cancellation travels between our processes", () => {
  it("a majority call to 5 servers, 2 of them slow, cancels those 2: their signals abort, their loops stop", async () => {
    const started = lifetimeServers(5, [4, 5]);
    const { config } = await cluster.use(started);
    const reply = await quorumCall(config.context({ timeoutMs: 10_000 }), TestService.method.echoQC, { value: "slow:5000" }).majority();
    expect([1n, 2n, 3n]).toContain(reply.num);
    for (const id of [4, 5]) {
      await waitUntil(() => started.seen[id - 1]!.ended.has("slow:5000"), `server ${id} to see the cancel`, 1000);
      const ended = started.seen[id - 1]!.ended.get("slow:5000")!;
      expect(ended.code).toBe("Canceled");
      expect(ended.afterMs).toBeLessThan(500);
    }
    const iterations = started.seen[3]!.iterations + started.seen[4]!.iterations;
    await sleep(100);
    expect(started.seen[3]!.iterations + started.seen[4]!.iterations).toBe(iterations);
  });

  it("an iteration of results() stopped early cancels the nodes still working", async () => {
    const started = lifetimeServers(3, [2, 3]);
    const { config } = await cluster.use(started);
    for await (const r of quorumCall(config.context({ timeoutMs: 10_000 }), TestService.method.echoQC, { value: "slow:5000" }).results()) {
      expect(r.nodeID).toBe(1);
      break;
    }
    await waitUntil(() => started.seen[1]!.ended.has("slow:5000") && started.seen[2]!.ended.has("slow:5000"), "both slow servers cancelled", 1000);
    expect(started.seen[1]!.ended.get("slow:5000")!.code).toBe("Canceled");
  });

  it("an aborted signal cancels the call at every node", async () => {
    const started = lifetimeServers(3);
    const { config } = await cluster.use(started);
    const ac = new AbortController();
    const call = quorumCall(config.context({ signal: ac.signal }), TestService.method.echoQC, { value: "slow:5000" }).all();
    await sleep(50);
    ac.abort();
    await call.catch(() => {});
    await waitUntil(() => started.seen.every((s) => s.ended.get("slow:5000")?.code === "Canceled"), "every server cancelled", 1000);
  });

  it("1,000 streaming calls ended early leave no handler, timer or listener behind on the servers", { timeout: 60_000 }, async () => {
    const started = lifetimeServers(3);
    const { config } = await cluster.use(started);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await quorumCallStream(config.context({ timeoutMs: 5000 }), TestService.method.echoStream, { value: "warm" }).correctable(3).done;
    await waitUntil(() => started.seen.every((s) => s.streaming === 0), "the warm-up handlers to stop", 2000);
    const before = timers();
    const ctx = config.context({ timeoutMs: 60_000 });
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 100 }, () => quorumCallStream(ctx, TestService.method.echoStream, { value: "s" }).correctable(2).done));
    }
    await waitUntil(() => started.seen.every((s) => s.streaming === 0), "every streaming handler to stop", 5000);
    await waitUntil(() => timers() <= before + 5, "the calls' timers gone", 5000);
    expect(config.nodes().every((n) => n.pendingCount === 0)).toBe(true);
  });

  it("the self node of a System is cancelled too", async () => {
    const seen = newSeen();
    const { systems, stop } = await newLocalSystems(3);
    try {
      for (const [i, system] of systems.entries()) {
        const slow = i === 0; // system 1 is slow, and calls with itself in the configuration
        system.registerService((srv) =>
          registerTestServiceServer(srv, {
            echo: (_ctx, req) => ({ value: req.value }),
            echoRPC: (_ctx, req) => ({ value: req.value }),
            echoQC: async (ctx, req) => {
              if (slow) {
                await work(ctx, seen, req.value, 5000);
              }
              return { value: req.value, num: BigInt(i + 1) };
            },
            echoStream: () => {},
            write: () => {},
            writeUnicast: () => {},
          }),
        );
      }
      const first = systems[0]!;
      await first.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) });
      const reply = await quorumCall(first.inboundConfig().context({ timeoutMs: 10_000 }), TestService.method.echoQC, { value: "self" }).majority();
      expect([2n, 3n]).toContain(reply.num);
      await waitUntil(() => seen.ended.has("self"), "the self node's handler to be cancelled", 1000);
      expect(seen.ended.get("self")!.code).toBe("Canceled");
    } finally {
      await stop();
    }
  });
});
