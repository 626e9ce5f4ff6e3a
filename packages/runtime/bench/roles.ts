/**
 * What the processes of a benchmark run do, each in its own process:
 *
 * - a benchmark server (`--server ADDR`): the Benchmark service on a Gorums
 *   Server, with the UnaryEcho Connect service co-hosted on the same port;
 *   with `--peers` a replica of a symmetric System (NestedQuorumCall);
 * - the raw node:http2 and @grpc/grpc-js echo servers of the baselines;
 * - client peers (`--role client-peers`): clients that dial one server and
 *   serve the Benchmark service back to it;
 * - the reverse-direction server (`--role reverse-server`): a System whose
 *   client peers connect to it; it runs the quorum calls over its
 *   `clientConfig()` when the bench tells it to, and reports the numbers.
 *
 * A process started by the bench reports `{ type: "ready", addr }` over IPC
 * and exits when the bench disconnects (so `node --cpu-prof` profiles of
 * every process get written).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type BenchmarkServer,
  quorumCall,
  registerBenchmarkServer,
} from "./gen/benchmark/benchmark_gorums.js";
import { UnaryEcho } from "./gen/benchmark/benchmark_pb.js";
import { newConfig, newSymmetricSystem, newSystem, Server, type Configuration, type ServerOptions, withNodeList, withNodes } from "../src/index.js";
import type { Protocol } from "./flags.js";
import { startGrpcJsEchoServer } from "./grpc-js-echo.js";
import { type CpuPerCall, CpuWatch } from "./cpu.js";
import { closedLoop, type LoadOptions } from "./load.js";
import { startRawEchoServer } from "./raw-echo.js";
import { CampaignStats, unixNanos } from "./campaign-stats.js";
import { memoryNow, type MemoryStats, type RunStats } from "./stats.js";

/** Messages a process started by the bench sends it. */
export type ChildMessage =
  | { type: "ready"; addr: string }
  | { type: "progress"; completed: number }
  | { type: "reply"; id: number; result?: unknown; error?: string };

/** Commands the bench sends a reverse-direction server. */
export type ReverseCommand =
  | { cmd: "waitForPeers"; peers: number; timeoutMs: number }
  | { cmd: "memory" }
  | { cmd: "run"; load: LoadOptions; quorum: number; payload: number; peers: number; cpuPids: number[] };

/** What a reverse-direction run reports. */
export interface ReverseRunResult {
  readonly stats: RunStats;
  readonly memory: MemoryStats;
  readonly cpu?: CpuPerCall;
}

/** SlowQuorumCall's work: steps of CPU, and their length. */
const SLOW_STEPS = 20;
const SLOW_STEP_MS = 0.05;

/** Keeps the CPU busy for `ms`. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/** SlowServer's wait, as Go's benchmark server sleeps. */
const SLOW_SERVER_MS = 10;

/**
 * The Benchmark service: echoes; NestedQuorumCall calls the replicas in
 * turn; the methods of Go Gorums' benchmark service keep one campaign's
 * figures (Start/Stop…Benchmark, Multicast's one-way latency).
 */
export function benchmarkService(): BenchmarkServer {
  const campaign = new CampaignStats();
  const startCampaign = () => {
    campaign.clear();
    campaign.start();
    return {};
  };
  return {
    startServerBenchmark: startCampaign,
    stopServerBenchmark() {
      campaign.end();
      return campaign.result();
    },
    startBenchmark: startCampaign,
    stopBenchmark() {
      campaign.end();
      return { allocs: 0n, memory: BigInt(campaign.allocatedBytes) };
    },
    async slowServer(ctx, req) {
      ctx.release();
      await new Promise((resolve) => setTimeout(resolve, SLOW_SERVER_MS));
      return req;
    },
    multicast(_ctx, msg) {
      campaign.addLatency(Number(unixNanos() - msg.sendTime));
    },
    quorumCall: (_ctx, req) => req,
    async streamQuorumCall(_ctx, req, send) {
      await Promise.all([send(req), send(req)]);
    },
    unicast: () => {},
    rpc: (_ctx, req) => req,
    async slowQuorumCall(ctx, req) {
      const heed = req.payload[0] !== 1;
      for (let step = 0; step < SLOW_STEPS && !(heed && ctx.signal.aborted); step++) {
        spin(SLOW_STEP_MS);
        await new Promise<void>((resolve) => setImmediate(resolve)); // let a cancel arrive
      }
      return req;
    },
    async nestedQuorumCall(ctx, req) {
      // Let the next request on this stream start while this one waits for its own quorum.
      ctx.release();
      const config = ctx.config();
      if (config.size < 2) {
        throw new ConnectError("NestedQuorumCall needs symmetric replicas: start the servers with --server ADDR --peers A,B,…", Code.FailedPrecondition);
      }
      return quorumCall(config.context(), req).majority();
    },
  };
}

/** Options of a benchmark server. */
export interface BenchServerOptions {
  readonly addr: string;
  /** How a replica dials its peers (a server serves both protocols). */
  readonly protocol: Protocol;
  /** The replicas of a symmetric setup, this one included; empty: a plain server. */
  readonly peers: readonly string[];
  /** This replica's ID (default: its position in `peers`, from 1). */
  readonly id?: number | undefined;
}

/** Starts a benchmark server; resolves with its bound address and a stop function. */
export async function startBenchServer(opts: BenchServerOptions): Promise<{ addr: string; stop: () => Promise<void> }> {
  const serverOptions: ServerOptions = {
    routes: (router) => router.service(UnaryEcho, { echo: (req) => req }),
  };
  if (opts.peers.length === 0) {
    const server = new Server(serverOptions);
    registerBenchmarkServer(server, benchmarkService());
    const addr = await server.listen(opts.addr);
    return { addr, stop: () => server.stop() };
  }
  const id = opts.id ?? opts.peers.indexOf(opts.addr) + 1;
  if (id < 1 || id > opts.peers.length) {
    throw new Error(`--server ${opts.addr} is not in --peers (give --id)`);
  }
  const peers = withNodes(new Map(opts.peers.map((a, i) => [i + 1, a])));
  const system = await newSymmetricSystem(opts.addr, id, peers, { server: serverOptions, dial: { protocol: opts.protocol } });
  system.registerService((srv) => registerBenchmarkServer(srv, benchmarkService()));
  await system.serve();
  system.newOutboundConfig();
  // Ready once every replica is connected, so that nested calls reach all of them.
  await system.waitForConfig((c) => c.size === opts.peers.length, { signal: AbortSignal.timeout(30_000) });
  return { addr: system.addr, stop: () => system.stop() };
}

/** Runs the process role named by the flags (a child of the bench, or `--server`). */
export async function runRole(role: string, flags: { addr: string; protocol: Protocol; peers: readonly string[]; id?: number | undefined; connect?: string | undefined; count: number }): Promise<void> {
  switch (role) {
    case "server": {
      const { addr } = await startBenchServer(flags);
      ready(addr, `benchmark server on ${addr} (gRPC and Connect${flags.peers.length > 0 ? `, replica among ${flags.peers.length} dialing in ${flags.protocol}` : ""})`);
      return;
    }
    case "raw-echo": {
      const [host, port] = splitAddr(flags.addr);
      const s = await startRawEchoServer(host, port);
      ready(`${host}:${s.port}`, `raw node:http2 echo server on ${host}:${s.port}`);
      return;
    }
    case "grpc-js-echo": {
      const [host, port] = splitAddr(flags.addr);
      const s = await startGrpcJsEchoServer(host, port);
      ready(`${host}:${s.port}`, `grpc-js echo server on ${host}:${s.port}`);
      return;
    }
    case "client-peers":
      await runClientPeers(flags.connect ?? "", flags.count, flags.protocol);
      return;
    case "reverse-server":
      await runReverseServer(flags.addr, flags.protocol);
      return;
    default:
      throw new Error(`unknown role ${role}`);
  }
}

/** `count` client peers of the server at `addr`, each with its own connection, serving the Benchmark service. */
async function runClientPeers(addr: string, count: number, protocol: Protocol): Promise<void> {
  const server = new Server();
  registerBenchmarkServer(server, benchmarkService());
  const configs: Configuration[] = [];
  for (let i = 0; i < count; i++) {
    configs.push(newConfig(withNodeList([addr]), { server, protocol }));
    if (i % 50 === 49) {
      // Let the connections open in steps rather than all in one turn.
      await new Promise((r) => setImmediate(r));
    }
  }
  ready("", `${count} client peers of ${addr}`);
}

/**
 * A System that client peers connect to; runs reverse-direction quorum calls
 * over its clientConfig() on command.
 */
async function runReverseServer(addr: string, protocol: Protocol): Promise<void> {
  const system = await newSystem(addr, { dial: { protocol } });
  system.registerService((srv) => registerBenchmarkServer(srv, benchmarkService()));
  await system.serve();
  process.on("message", (m: { type: "cmd"; id: number } & ReverseCommand) => {
    if (m?.type !== "cmd") {
      return;
    }
    void (async () => {
      try {
        let result: unknown;
        switch (m.cmd) {
          case "waitForPeers":
            await system.waitForClientConfig((c) => c.size >= m.peers, { signal: AbortSignal.timeout(m.timeoutMs) });
            result = system.clientConfig().size;
            break;
          case "memory":
            result = memoryNow();
            break;
          case "run": {
            const config = system.clientConfig();
            if (config.size < m.peers) {
              throw new Error(`only ${config.size} of ${m.peers} client peers are connected`);
            }
            const ctx = config.context();
            const req = { payload: new Uint8Array(m.payload).fill(7) };
            let progress: NodeJS.Timeout | undefined;
            try {
              const watch = new CpuWatch(undefined, m.cpuPids);
              const onStart = (r: { completed: number }) => {
                progress = setInterval(() => send({ type: "progress", completed: r.completed }), 200);
              };
              const rec = await closedLoop(() => quorumCall(ctx, req).threshold(m.quorum), m.load, onStart, watch);
              clearInterval(progress);
              const stats = rec.summarize();
              const cpu = watch.perCall(stats.callsPerSec);
              result = { stats, memory: memoryNow(), ...(cpu !== undefined ? { cpu } : {}) } satisfies ReverseRunResult;
            } finally {
              clearInterval(progress);
            }
            break;
          }
        }
        send({ type: "reply", id: m.id, result });
      } catch (err) {
        send({ type: "reply", id: m.id, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  ready(system.addr, `reverse-direction server on ${system.addr}`);
}

function send(m: ChildMessage): void {
  process.send?.(m);
}

/** Tells the bench (or the user, for --server) that this process is ready. */
function ready(addr: string, what: string): void {
  if (process.send !== undefined) {
    send({ type: "ready", addr });
    // Started by the bench: leave when it goes (normal exit, so profiles are written).
    process.on("disconnect", () => process.exit(0));
  } else {
    console.log(`${what}; Ctrl-C stops it`);
    const stop = () => process.exit(0);
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  }
}

function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(":");
  if (i < 0) {
    throw new Error(`address ${JSON.stringify(addr)} is not host:port`);
  }
  return [addr.slice(0, i).replace(/^\[|\]$/g, ""), Number(addr.slice(i + 1))];
}
