/**
 * The benchmarks and baselines of `pnpm bench`, run from the bench process
 * against servers in processes of their own (or --remotes). Each run yields
 * a Row: calls/s, latencies, messages and payload bytes per call, and the
 * memory of the calling process after the run.
 */
import { toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type Configuration, newConfig, withNodeList } from "../src/index.js";
import { MessageSchema } from "../src/gen/stream_pb.js";
import { requestMessage } from "../src/wire/message.js";
import { type Child, Cluster, startReplicas, startRole, startServers } from "./cluster.js";
import { type CpuPerCall, CpuWatch } from "./cpu.js";
import { type Flags, type Protocol, protocolLabel } from "./flags.js";
import { multicast, nestedQuorumCall, quorumCall, rpc, slowQuorumCall, streamQuorumCall, unicast } from "./gen/benchmark/benchmark_gorums.js";
import { UnaryEcho } from "./gen/benchmark/benchmark_pb.js";
import { grpcJsEchoClient } from "./grpc-js-echo.js";
import { closedLoop, type EchoClient, type LoadOptions, pipelined } from "./load.js";
import type { Progress } from "./progress.js";
import { rawEchoClient, rawQuorumClient, requestFrame } from "./raw-echo.js";
import type { ReverseRunResult } from "./roles.js";
import { memoryNow, type MemoryStats, type Recorder, type RunStats } from "./stats.js";

/** One measured run. */
export interface Row {
  /** Benchmark or baseline name. */
  readonly name: string;
  readonly kind: "benchmark" | "baseline" | "sweep";
  /** What carries the calls: "gRPC/http2" (our NodeStream), "Connect/connect-node", "raw node:http2", "grpc-js", … */
  readonly transport: string;
  /** Nodes each call goes to (the configuration size; 1 for one-node calls). */
  readonly nodes: number;
  /** Replies awaited (quorum calls). */
  readonly quorum?: number;
  /** Calls in flight. */
  readonly concurrency: number;
  readonly stats: RunStats;
  /** Requests per call (the message rate is calls/s × this). */
  readonly msgsPerCall: number;
  /** Application payload bytes the caller sends and receives per call. */
  readonly payloadBytesPerCall: number;
  /** Memory after the run, of the process that made the calls. */
  readonly memory: MemoryStats;
  /** Which process made the calls: the bench, or the server (reverse direction). */
  readonly caller: "bench" | "server";
  readonly note?: string;
  /** ManyClientPeers: memory per idle client peer, bytes. */
  readonly perClient?: { readonly rss: number; readonly heapUsed: number };
  /** CPU µs per call in the measured window: the caller, and the serving processes together (local runs). */
  readonly cpu?: CpuPerCall;
}

/** The message rate of a row: calls/s × requests per call. */
export function msgRate(r: Row): number {
  return r.stats.callsPerSec * r.msgsPerCall;
}

/** A benchmark the --benchmarks regexp selects. */
export interface BenchmarkDef {
  readonly name: string;
  readonly description: string;
}

export const BENCHMARKS: readonly BenchmarkDef[] = [
  { name: "QuorumCall", description: "quorum call to the configuration, waiting for --quorum-size replies" },
  { name: "StreamQuorumCall", description: "streaming quorum call: every server sends 2 replies; done when --quorum-size servers sent both" },
  { name: "Multicast", description: "one-way call to every server (done when written; the window ends once the servers handled all)" },
  { name: "Unicast", description: "one-way call to one server, round robin (as Multicast)" },
  { name: "Rpc", description: "two-way call to one server, round robin" },
  { name: "ReverseQuorumCall", description: "a server's quorum call over clientConfig(): --config-size client peers that dialed it" },
  { name: "DeadlineQuorumCall", description: "QuorumCall with timeoutMs set: the time left travels with every request (gorums-timeout), a deadline timer per call" },
  { name: "SlowQuorumCall", description: "quorum call to servers that work ~1 ms of CPU per request: handlers that stop when cancelled vs handlers that ignore it (server CPU per call)" },
  { name: "NestedQuorumCall", description: "quorum call whose handler releases and makes a quorum call over ctx.config() (symmetric replicas)" },
  { name: "ManyClientPeers", description: "a server with --client-peers (1,000) client peers: majority quorum call over clientConfig(), one at a time; memory per idle client" },
];

export const BASELINES: readonly BenchmarkDef[] = [
  { name: "raw", description: "(a) raw node:http2 echo, gRPC framing, same payload and in-flight window: the ceiling" },
  { name: "connect", description: "(b) the same quorum call in the Connect protocol: connect-node's NodeStream client and server" },
  { name: "fanout", description: "(c) Promise of N connect-node unary calls with a majority pick: what one writes without Gorums" },
  { name: "grpc-js", description: "(d) @grpc/grpc-js bidi echo, same payload and window" },
  {
    name: "raw-fanout",
    description: "(e) a quorum call's pattern on raw streams: write the frame to N raw echo servers, done at q echoes (and over --client-peers connections for ManyClientPeers): the floor of the fan-out",
  },
];

/** Runs benchmarks; owns the processes it starts. */
export class Bench {
  private readonly clusters = new Map<string, Promise<Cluster>>();
  private readonly children = new Map<string, Promise<Child>>();
  private readonly configs = new Map<string, Configuration>();
  private readonly payload: Uint8Array;

  constructor(
    private readonly flags: Flags,
    /** This script, forked for the server processes. */
    private readonly script: string,
    private readonly progress: Progress,
  ) {
    this.payload = new Uint8Array(flags.payload).fill(7);
  }

  private load(concurrency = this.flags.concurrent): LoadOptions {
    return { concurrency, warmupS: this.flags.warmupS, timeS: this.flags.timeS };
  }

  /** The benchmark servers (they serve both protocols): --remotes, or local processes started on first use. */
  async servers(): Promise<string[]> {
    return (await this.serverSet()).addrs;
  }

  /** The servers' addresses, and their process IDs when they are local. */
  private async serverSet(): Promise<{ addrs: string[]; pids: number[] }> {
    if (this.flags.remotes.length > 0) {
      return { addrs: this.flags.remotes.slice(0, this.flags.configSize), pids: [] };
    }
    const cluster = await this.cluster("servers", () => startServers(this.script, this.flags.configSize));
    return { addrs: cluster.addrs, pids: cluster.pids };
  }

  private cluster(key: string, start: () => Promise<Cluster>): Promise<Cluster> {
    let c = this.clusters.get(key);
    if (c === undefined) {
      c = start();
      this.clusters.set(key, c);
    }
    return c;
  }

  private child(key: string, start: () => Promise<Child>): Promise<Child> {
    let c = this.children.get(key);
    if (c === undefined) {
      c = start();
      this.children.set(key, c);
    }
    return c;
  }

  /** A configuration of the servers in `protocol` (one per protocol, reused). */
  private async config(protocol: Protocol): Promise<Configuration> {
    const key = `servers/${protocol}`;
    let config = this.configs.get(key);
    if (config === undefined) {
      config = newConfig(withNodeList(await this.servers()), { protocol });
      this.configs.set(key, config);
    }
    return config;
  }

  /** Stops every process and closes every configuration. */
  async stop(): Promise<void> {
    for (const c of this.configs.values()) {
      await c.close();
    }
    const all = [...this.clusters.values()].map(async (c) => (await c.catch(() => undefined))?.stop());
    const kids = [...this.children.values()].map(async (c) => (await c.catch(() => undefined))?.stop());
    await Promise.all([...all, ...kids]);
  }

  // ------------------------------------------------------------ benchmarks

  /** The quorum call in `protocol` with `concurrency` calls in flight. */
  async quorumCall(protocol: Protocol, concurrency = this.flags.concurrent, kind: Row["kind"] = "benchmark", name = "QuorumCall", timeoutMs?: number): Promise<Row> {
    const { configSize: n, quorumSize: q, payload } = this.flags;
    const config = await this.config(protocol);
    const cpu = await this.cpuWatch();
    const ctx = config.context(timeoutMs === undefined ? {} : { timeoutMs });
    const req = { payload: this.payload };
    const rec = await closedLoop(() => quorumCall(ctx, req).threshold(q), this.load(concurrency), this.counter(), cpu);
    return this.row(rec, cpu, { name, kind, transport: protocolLabel(protocol), nodes: n, quorum: q, concurrency, msgsPerCall: n, payloadBytesPerCall: payload * 2 * n });
  }

  /** QuorumCall with a deadline: every request carries its time left. */
  deadlineQuorumCall(): Promise<Row> {
    return this.quorumCall(this.flags.protocol, this.flags.concurrent, "benchmark", "DeadlineQuorumCall", 60_000);
  }

  /** SlowQuorumCall: the servers stop the work of calls that ended (`heed`), or finish it anyway. */
  async slowQuorumCall(heed: boolean): Promise<Row> {
    const { configSize: n, quorumSize: q, payload, protocol } = this.flags;
    const config = await this.config(protocol);
    const cpu = await this.cpuWatch();
    const ctx = config.context();
    const bytes = new Uint8Array(Math.max(1, payload));
    bytes[0] = heed ? 0 : 1;
    const req = { payload: bytes };
    const rec = await closedLoop(() => slowQuorumCall(ctx, req).threshold(q), this.load(), this.counter(), cpu);
    return this.row(rec, cpu, {
      name: "SlowQuorumCall",
      kind: "benchmark",
      transport: protocolLabel(protocol),
      nodes: n,
      quorum: q,
      concurrency: this.flags.concurrent,
      msgsPerCall: n,
      payloadBytesPerCall: bytes.byteLength * 2 * n,
      note: heed ? "handlers stop when cancelled" : "handlers ignore the cancel",
    });
  }

  async streamQuorumCall(): Promise<Row> {
    const { configSize: n, quorumSize: q, payload, protocol } = this.flags;
    const config = await this.config(protocol);
    const ctx = config.context();
    const req = { payload: this.payload };
    const call = async () => {
      // Done once q servers have sent both of their replies.
      const seen = new Map<number, number>();
      let complete = 0;
      for await (const r of streamQuorumCall(ctx, req).results()) {
        if (r.error !== undefined) {
          throw r.error;
        }
        const k = (seen.get(r.nodeID) ?? 0) + 1;
        seen.set(r.nodeID, k);
        if (k === 2 && ++complete >= q) {
          return;
        }
      }
      throw new Error("streaming quorum call ended before the quorum");
    };
    const cpu = await this.cpuWatch();
    const rec = await closedLoop(call, this.load(), this.counter(), cpu);
    return this.row(rec, cpu, { name: "StreamQuorumCall", kind: "benchmark", transport: protocolLabel(protocol), nodes: n, quorum: q, concurrency: this.flags.concurrent, msgsPerCall: n, payloadBytesPerCall: payload * 3 * n });
  }

  async multicast(): Promise<Row> {
    const { configSize: n, payload, protocol } = this.flags;
    const config = await this.config(protocol);
    const ctx = config.context();
    const req = { payload: this.payload };
    const cpu = await this.cpuWatch();
    const rec = await closedLoop(() => multicast(ctx, req), this.load(), this.counter(), cpu);
    await this.barrier(config, rec);
    return this.row(rec, cpu, { name: "Multicast", kind: "benchmark", transport: protocolLabel(protocol), nodes: n, concurrency: this.flags.concurrent, msgsPerCall: n, payloadBytesPerCall: payload * n, note: "latency: until written" });
  }

  async unicast(): Promise<Row> {
    const { payload, protocol } = this.flags;
    const config = await this.config(protocol);
    const ctxs = config.nodes().map((node) => node.context());
    const req = { payload: this.payload };
    const cpu = await this.cpuWatch();
    const rec = await closedLoop((i) => unicast(ctxs[i % ctxs.length] as (typeof ctxs)[number], req), this.load(), this.counter(), cpu);
    await this.barrier(config, rec);
    return this.row(rec, cpu, { name: "Unicast", kind: "benchmark", transport: protocolLabel(protocol), nodes: 1, concurrency: this.flags.concurrent, msgsPerCall: 1, payloadBytesPerCall: payload, note: "latency: until written" });
  }

  async rpc(): Promise<Row> {
    const { payload, protocol } = this.flags;
    const config = await this.config(protocol);
    const ctxs = config.nodes().map((node) => node.context());
    const req = { payload: this.payload };
    const cpu = await this.cpuWatch();
    const rec = await closedLoop((i) => rpc(ctxs[i % ctxs.length] as (typeof ctxs)[number], req), this.load(), this.counter(), cpu);
    return this.row(rec, cpu, { name: "Rpc", kind: "benchmark", transport: protocolLabel(protocol), nodes: 1, concurrency: this.flags.concurrent, msgsPerCall: 1, payloadBytesPerCall: payload * 2 });
  }

  async nestedQuorumCall(): Promise<Row> {
    const { configSize: n, quorumSize: q, payload, protocol, remotes } = this.flags;
    let addrs: string[];
    let pids: number[] = [];
    if (remotes.length > 0) {
      addrs = remotes.slice(0, n);
    } else {
      const cluster = await this.cluster(`replicas/${protocol}`, () => startReplicas(this.script, n, protocol));
      addrs = cluster.addrs;
      pids = cluster.pids;
    }
    const config = newConfig(withNodeList(addrs), { protocol });
    try {
      const ctx = config.context();
      const req = { payload: this.payload };
      const cpu = new CpuWatch(undefined, pids);
      const rec = await closedLoop(() => nestedQuorumCall(ctx, req).threshold(q), this.load(), this.counter(), cpu);
      return this.row(rec, cpu, {
        name: "NestedQuorumCall",
        kind: "benchmark",
        transport: protocolLabel(protocol),
        nodes: n,
        quorum: q,
        concurrency: this.flags.concurrent,
        msgsPerCall: n,
        payloadBytesPerCall: payload * 2 * n,
        note: `+ ${n}×${n} inner`,
      });
    } finally {
      await config.close();
    }
  }

  /**
   * The reverse direction: a server process with `peers` client peers
   * (spread over up to `procs` processes) runs the quorum calls over its
   * clientConfig(). With `measureIdle`, its memory is taken before the peers
   * connect and once they are connected and idle.
   */
  async reverse(opts: { name: string; peers: number; procs: number; quorum: number; concurrency: number; measureIdle: boolean }): Promise<Row> {
    const { protocol, payload } = this.flags;
    const server = await startRole(this.script, "reverse-server", protocol);
    const clients: Child[] = [];
    try {
      const before = opts.measureIdle ? await server.request<MemoryStats>({ cmd: "memory" }) : undefined;
      const per = Math.ceil(opts.peers / opts.procs);
      for (let left = opts.peers; left > 0; left -= per) {
        clients.push(await startRole(this.script, "client-peers", protocol, ["--connect", server.addr, "--count", String(Math.min(per, left))]));
      }
      await server.request({ cmd: "waitForPeers", peers: opts.peers, timeoutMs: 120_000 });
      let perClient: Row["perClient"];
      if (before !== undefined) {
        // Idle: let the connections settle before measuring.
        await new Promise((r) => setTimeout(r, 1000));
        const idle = await server.request<MemoryStats>({ cmd: "memory" });
        perClient = { rss: (idle.rss - before.rss) / opts.peers, heapUsed: (idle.heapUsed - before.heapUsed) / opts.peers };
      }
      this.progress.counting(() => server.completed);
      const cpuPids = clients.map((c) => c.process.pid ?? 0);
      const result = await server.request<ReverseRunResult>({ cmd: "run", load: this.load(opts.concurrency), quorum: opts.quorum, payload, peers: opts.peers, cpuPids });
      return {
        name: opts.name,
        kind: "benchmark",
        transport: protocolLabel(protocol),
        nodes: opts.peers,
        quorum: opts.quorum,
        concurrency: opts.concurrency,
        stats: result.stats,
        msgsPerCall: opts.peers,
        payloadBytesPerCall: payload * 2 * opts.peers,
        memory: result.memory,
        caller: "server",
        ...(perClient !== undefined ? { perClient } : {}),
        ...(result.cpu !== undefined ? { cpu: result.cpu } : {}),
      };
    } finally {
      await Promise.all([server.stop(), ...clients.map((c) => c.stop())]);
    }
  }

  // ------------------------------------------------------------- baselines

  /** (a) raw node:http2 echo with `concurrency` messages in flight. */
  async rawEcho(concurrency = this.flags.concurrent): Promise<Row> {
    const server = await this.child("raw", () => startRole(this.script, "raw-echo"));
    const client = await rawEchoClient(server.addr, requestFrame(this.flags.payload));
    return this.echoRow("raw echo", "raw node:http2", client, concurrency, server);
  }

  /**
   * (e) The quorum call's fan-out on raw echo streams: `sessions` streams
   * (each its own connection) spread over `procs` raw echo processes, `q`
   * echoes awaited per call.
   */
  async rawFanout(opts: { name: string; sessions: number; procs: number; quorum: number; concurrency: number }): Promise<Row> {
    const servers = await this.cluster(`raw-fanout/${opts.procs}`, async () => new Cluster(await Promise.all(Array.from({ length: opts.procs }, () => startRole(this.script, "raw-echo")))));
    const addrs = Array.from({ length: opts.sessions }, (_, i) => servers.addrs[i % opts.procs] as string);
    const client = await rawQuorumClient(addrs, requestFrame(this.flags.payload));
    try {
      const cpu = new CpuWatch(undefined, servers.pids);
      const rec = await closedLoop(() => client.call(opts.quorum), this.load(opts.concurrency), this.counter(), cpu);
      return this.row(rec, cpu, {
        name: opts.name,
        kind: "baseline",
        transport: "raw node:http2",
        nodes: opts.sessions,
        quorum: opts.quorum,
        concurrency: opts.concurrency,
        msgsPerCall: opts.sessions,
        payloadBytesPerCall: this.flags.payload * 2 * opts.sessions,
      });
    } finally {
      client.close();
    }
  }

  /** (d) @grpc/grpc-js bidi echo. */
  async grpcJsEcho(concurrency = this.flags.concurrent): Promise<Row> {
    const server = await this.child("grpc-js", () => startRole(this.script, "grpc-js-echo"));
    const bytes = Buffer.from(toBinary(MessageSchema, requestMessage(1n, "benchmark.Benchmark.QuorumCall", this.payload, [])));
    const client = await grpcJsEchoClient(server.addr, bytes);
    return this.echoRow("grpc-js echo", "grpc-js", client, concurrency, server);
  }

  private async echoRow(name: string, transport: string, client: EchoClient, concurrency: number, server: Child): Promise<Row> {
    try {
      const cpu = new CpuWatch(undefined, server.process.pid === undefined ? [] : [server.process.pid]);
      const rec = await pipelined(client, this.load(concurrency), this.counter(), cpu);
      return this.row(rec, cpu, { name, kind: "baseline", transport, nodes: 1, concurrency, msgsPerCall: 1, payloadBytesPerCall: this.flags.payload * 2 });
    } finally {
      client.close();
    }
  }

  /** (b) the quorum call in the Connect protocol (connect-node's NodeStream client and server). */
  async connectQuorumCall(concurrency = this.flags.concurrent): Promise<Row> {
    return this.quorumCall("connect", concurrency, "baseline");
  }

  /** (c) N connect-node unary calls with a majority pick, as one writes it without Gorums. */
  async unaryFanout(concurrency = this.flags.concurrent): Promise<Row> {
    const { configSize: n, quorumSize: q, payload } = this.flags;
    const { addrs, pids } = await this.serverSet();
    const clients = addrs.map((a) => createClient(UnaryEcho, createGrpcTransport({ baseUrl: `http://${a}` })));
    const req = { payload: this.payload };
    const cpu = new CpuWatch(undefined, pids);
    const rec = await closedLoop(() => firstN(clients.map((c) => c.echo(req)), q), this.load(concurrency), this.counter(), cpu);
    return this.row(rec, cpu, { name: "unary fan-out", kind: "baseline", transport: "connect-node unary", nodes: n, quorum: q, concurrency, msgsPerCall: n, payloadBytesPerCall: payload * 2 * n });
  }

  // --------------------------------------------------------------- helpers

  private counter(): (r: Recorder) => void {
    return (r) => this.progress.counting(() => r.completed);
  }

  /** One-way benchmarks: the window lasts until the servers handled what was sent in it (a quorum call to all comes after it on every stream). */
  private async barrier(config: Configuration, rec: Recorder): Promise<void> {
    await quorumCall(config.context(), { payload: this.payload }).all();
    rec.extendTo(performance.now());
  }

  /** Watches the CPU of this process and of the servers (when local). */
  private async cpuWatch(): Promise<CpuWatch> {
    return new CpuWatch(undefined, (await this.serverSet()).pids);
  }

  private row(rec: Recorder, cpu: CpuWatch, r: Omit<Row, "stats" | "memory" | "caller" | "cpu">): Row {
    const stats = rec.summarize();
    const perCall = cpu.perCall(stats.callsPerSec);
    return { ...r, stats, memory: memoryNow(), caller: "bench", ...(perCall !== undefined ? { cpu: perCall } : {}) };
  }
}

/**
 * The first value once `n` of the promises fulfilled; rejects once too many
 * rejected for `n` to be reached. (What a user writes for a majority of N
 * unary calls.)
 */
export function firstN<T>(promises: readonly Promise<T>[], n: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let ok = 0;
    let failed = 0;
    let first: T | undefined;
    for (const p of promises) {
      p.then(
        (v) => {
          if (ok++ === 0) {
            first = v;
          }
          if (ok === n) {
            resolve(first as T);
          }
        },
        (err: unknown) => {
          if (++failed > promises.length - n) {
            reject(err);
          }
        },
      );
    }
  });
}
