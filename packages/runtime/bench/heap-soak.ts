/**
 * Heap soak (issue 7 item 3): is the heap flat across a long run? Runs calls
 * in rounds against three in-process servers on 127.0.0.1 — a mix of quorum
 * calls (majority, all, abandoned after the first reply), streaming quorum
 * calls, rpcs, unicasts and multicasts, a quarter of them canceled (before
 * sending, a moment after, or by a 1–4 ms deadline) — and after each round
 * collects garbage and prints the heap in use, its ratio to the first
 * measured round (after one warm-up round), the RSS, the calls still pending
 * and the active timers. A heap that keeps growing round after round is a
 * leak; a flat one wobbles around 1.0.
 *
 *   npx tsc -p packages/runtime/bench/tsconfig.json
 *   node --expose-gc packages/runtime/bench/dist/bench/heap-soak.js [--rounds 10] [--calls 20000]
 *     [--concurrency 64] [--symmetric] [--churn 0] [--protocol grpc|connect] [--max-ratio 1.5]
 *
 * `--symmetric` runs the calls over a System's inboundConfig instead (three
 * local replicas). `--churn n` also opens and closes n configurations per
 * round (one quorum call each: new connections, streams and sessions every
 * time). `--protocol connect` makes the calls in the Connect protocol
 * (connect-node) instead of gRPC (our node:http2 stream). `--max-ratio r` exits with 1 when the last round's heap
 * is more than r times the first's. Not a test: heap numbers depend on the
 * machine and on V8, so nothing asserts them in CI.
 */
import {
  Code,
  ConnectError,
  type Configuration,
  newConfig,
  newLocalSystems,
  QuorumCallError,
  Server,
  type ServerCtx,
  type ManagerOptions,
  withNodeList,
} from "../src/index.js";
import type { Echo } from "./gen/benchmark/benchmark_pb.js";
import { multicast, quorumCall, registerBenchmarkServer, rpc, streamQuorumCall, unicast } from "./gen/benchmark/benchmark_gorums.js";
import { prng } from "../test/helpers/prng.js";

interface Options {
  rounds: number;
  calls: number;
  concurrency: number;
  symmetric: boolean;
  churn: number;
  protocol: ManagerOptions["protocol"];
  maxRatio: number | undefined;
}

function parse(argv: string[]): Options {
  const opts: Options = { rounds: 10, calls: 20_000, concurrency: 64, symmetric: false, churn: 0, protocol: undefined, maxRatio: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) {
        throw new Error(`${arg} needs a positive number`);
      }
      return v;
    };
    switch (arg) {
      case "--rounds":
        opts.rounds = value();
        break;
      case "--calls":
        opts.calls = value();
        break;
      case "--concurrency":
        opts.concurrency = value();
        break;
      case "--max-ratio":
        opts.maxRatio = value();
        break;
      case "--symmetric":
        opts.symmetric = true;
        break;
      case "--churn":
        opts.churn = value();
        break;
      case "--protocol": {
        const p = argv[++i];
        if (p !== "grpc" && p !== "connect") {
          throw new Error("--protocol is grpc or connect");
        }
        opts.protocol = p;
        break;
      }
      default:
        throw new Error(`unknown flag ${arg}`);
    }
  }
  return opts;
}

/** The benchmark service; node 3 answers after 1 ms (released first), so cancellations catch calls in flight. */
function register(server: Server, slow: boolean): void {
  const echo = async (ctx: ServerCtx, req: Echo) => {
    if (slow) {
      ctx.release();
      await new Promise((r) => setTimeout(r, 1));
    }
    return { payload: req.payload };
  };
  registerBenchmarkServer(server, {
    quorumCall: echo,
    rpc: echo,
    nestedQuorumCall: echo,
    slowQuorumCall: echo,
    async streamQuorumCall(_ctx, req, send) {
      await send({ payload: req.payload });
      await send({ payload: req.payload });
    },
    multicast() {},
    unicast() {},
  });
}

/** One round of calls; returns how many failed in a way no cancellation explains. */
async function round(config: Configuration, calls: number, concurrency: number, rand: () => number): Promise<number> {
  const payload = new Uint8Array(64);
  const nodes = config.nodes();
  let next = 0;
  let unexpected = 0;
  const one = async () => {
    const c = rand();
    let signal: AbortSignal | undefined;
    let timeoutMs = 10_000;
    if (c < 0.05) {
      signal = AbortSignal.abort();
    } else if (c < 0.15) {
      const ac = new AbortController();
      signal = ac.signal;
      setImmediate(() => ac.abort());
    } else if (c < 0.25) {
      timeoutMs = 1 + Math.floor(rand() * 4);
    }
    const ctx = config.context({ ...(signal !== undefined ? { signal } : {}), timeoutMs });
    const node = nodes[Math.floor(rand() * nodes.length)] as (typeof nodes)[number];
    const nctx = node.context({ ...(signal !== undefined ? { signal } : {}), timeoutMs });
    const k = rand();
    try {
      if (k < 0.35) {
        await quorumCall(ctx, { payload }).majority();
      } else if (k < 0.45) {
        await quorumCall(ctx, { payload }).all();
      } else if (k < 0.55) {
        for await (const r of quorumCall(ctx, { payload }).results()) {
          void r;
          break;
        }
      } else if (k < 0.6) {
        await streamQuorumCall(ctx, { payload }).first();
      } else if (k < 0.82) {
        await rpc(nctx, { payload });
      } else if (k < 0.9) {
        await unicast(nctx, { payload });
      } else {
        await multicast(ctx, { payload });
      }
    } catch (err) {
      const canceled = signal !== undefined || timeoutMs < 10_000;
      const code = err instanceof ConnectError ? err.code : err instanceof QuorumCallError ? Code.Canceled : undefined;
      if (!canceled || code === undefined) {
        unexpected++;
      }
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) {
        await one();
      }
    }),
  );
  return unexpected;
}

async function collect(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

const mb = (n: number) => (n / (1 << 20)).toFixed(2);

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
    process.stderr.write("heap-soak: run node with --expose-gc\n");
    return 2;
  }
  let config: Configuration;
  let stop: () => Promise<unknown>;
  const dial: ManagerOptions = opts.protocol !== undefined ? { protocol: opts.protocol } : {};
  let addrs: string[] = [];
  if (opts.symmetric) {
    const local = await newLocalSystems(3, { dial });
    for (const s of local.systems) {
      register(s.server, s.myID === 3);
    }
    const first = local.systems[0] as (typeof local.systems)[number];
    await first.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(10_000) });
    config = first.inboundConfig();
    addrs = local.systems.map((s) => s.addr);
    stop = local.stop;
  } else {
    const servers = [new Server(), new Server(), new Server()];
    servers.forEach((s, i) => register(s, i === 2));
    addrs = await Promise.all(servers.map((s) => s.listen("127.0.0.1:0")));
    config = newConfig(withNodeList(addrs), dial);
    stop = async () => {
      await config.close();
      await Promise.all(servers.map((s) => s.stop()));
    };
  }
  const rand = prng(1);
  const churn = async () => {
    for (let i = 0; i < opts.churn; i++) {
      const c = newConfig(withNodeList(addrs), dial);
      await quorumCall(c.context({ timeoutMs: 10_000 }), { payload: new Uint8Array(8) }).all();
      await c.close();
    }
  };
  process.stdout.write(`heap soak: ${opts.rounds} rounds of ${opts.calls} calls, ${opts.concurrency} at a time, ${opts.symmetric ? "over a System's inboundConfig" : "to 3 servers"}${opts.churn > 0 ? `, ${opts.churn} configurations opened and closed` : ""}${opts.protocol !== undefined ? ` (protocol: ${opts.protocol})` : ""}\n`);
  await round(config, opts.calls, opts.concurrency, rand);
  await churn();
  const first = await collect();
  process.stdout.write(`warm-up done; heap after GC ${mb(first)} MiB\n`);
  process.stdout.write("round  heap MiB  ratio  rss MiB  pending  timers  unexpected  calls/s\n");
  let last = first;
  for (let r = 1; r <= opts.rounds; r++) {
    const start = performance.now();
    const unexpected = await round(config, opts.calls, opts.concurrency, rand);
    await churn();
    const secs = (performance.now() - start) / 1000;
    last = await collect();
    const pending = config.nodes().reduce((n, node) => n + node.pendingCount, 0);
    const timers = process.getActiveResourcesInfo().filter((x) => x === "Timeout").length;
    process.stdout.write(
      `${String(r).padStart(5)}  ${mb(last).padStart(8)}  ${(last / first).toFixed(3)}  ${mb(process.memoryUsage().rss).padStart(7)}  ${String(pending).padStart(7)}  ${String(timers).padStart(6)}  ${String(unexpected).padStart(10)}  ${Math.round(opts.calls / secs)}\n`,
    );
  }
  await stop();
  const ratio = last / first;
  process.stdout.write(`last/first heap ratio: ${ratio.toFixed(3)}\n`);
  if (opts.maxRatio !== undefined && ratio > opts.maxRatio) {
    process.stderr.write(`heap grew more than ${opts.maxRatio}x\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`heap-soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
