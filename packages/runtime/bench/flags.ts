/**
 * The command line of `pnpm bench`, modelled on Go Gorums' cmd/benchmark.
 */
import type { ManagerOptions } from "../src/index.js";
import { numberFlag, scanArgv } from "./argv.js";

/** The wire protocol of the bench's calls: "grpc" (our node:http2 NodeStream) or "connect" (connect-node). */
export type Protocol = NonNullable<ManagerOptions["protocol"]>;

/** How a row names what carries a protocol's calls. */
export function protocolLabel(protocol: Protocol): string {
  return protocol === "grpc" ? "gRPC/http2" : "Connect/connect-node";
}

/** Parsed flags. */
export interface Flags {
  /** Which benchmarks run (matched case-insensitively against their names). */
  readonly benchmarks: RegExp;
  /** Which baselines run (raw, connect, fanout, grpc-js, raw-fanout); null: none. */
  readonly baselines: RegExp | null;
  readonly configSize: number;
  /** Replies a quorum call waits for (default: a majority of the configuration). */
  readonly quorumSize: number;
  /** Calls in flight at once. */
  readonly concurrent: number;
  /** Payload bytes of each request and reply. */
  readonly payload: number;
  /** Seconds measured per benchmark. */
  readonly timeS: number;
  /** Seconds of warmup per benchmark. */
  readonly warmupS: number;
  /** Runs of each measurement; the one with the most calls/s is kept (other work on the machine only ever slows a run down). */
  readonly repeat: number;
  /** Addresses of servers started with --server (instead of local server processes). */
  readonly remotes: readonly string[];
  /** Run only a benchmark server on this address. */
  readonly server: string | undefined;
  /** With --server: the replicas of a symmetric setup (for NestedQuorumCall), this one included. */
  readonly peers: readonly string[];
  /** With --server --peers: this server's ID among the peers (1-based position by default). */
  readonly id: number | undefined;
  readonly json: boolean;
  /** The protocol of the benchmarks' calls (the servers serve both). */
  readonly protocol: Protocol;
  /** Write a latency-versus-throughput chart here. */
  readonly svg: string | undefined;
  /** Client peers connected to the server in ManyClientPeers. */
  readonly clientPeers: number;
  /** List the benchmarks and exit. */
  readonly list: boolean;
  readonly help: boolean;
  /** @private A role of a process the bench starts (raw-echo, grpc-js-echo, client-peers, reverse-server). */
  readonly role: string | undefined;
  /** @private With --role client-peers: the server the peers dial. */
  readonly connect: string | undefined;
  /** @private With --role client-peers: how many peers. */
  readonly count: number;
}

export const USAGE = `usage: pnpm bench [flags]

  --benchmarks REGEXP   benchmarks to run, case-insensitive (default all; --list names them)
  --baselines REGEXP    baselines to run: raw, connect, fanout, grpc-js, raw-fanout (default all; 'none')
  --config-size N       servers in the configuration (default 4)
  --quorum-size N       replies a quorum call waits for (default a majority)
  --concurrent N        calls in flight (default 64)
  --payload BYTES       payload of each request and reply (default 16)
  --time S              seconds measured per benchmark (default 2)
  --warmup S            seconds of warmup per benchmark (default 0.5)
  --repeat N            measure each run N times and keep the best (default 1)
  --protocol P          grpc (default: our node:http2 NodeStream) or connect (the Connect
                        protocol on connect-node)
  --remotes A,B,...     use servers already running (started with --server) instead of local ones
  --server ADDR         run only a benchmark server on ADDR (host:port)
    --peers A,B,...     with --server: the symmetric replicas, this one included (NestedQuorumCall)
    --id N              with --peers: this server's ID (default: its position in --peers)
  --client-peers N      client peers of the server in ManyClientPeers (default 1000)
  --svg FILE            also sweep the quorum call over 1,4,16,64,256 in flight on both
                        protocols and write a latency-versus-throughput chart to FILE
  --json                print the results as JSON instead of a table
  --list                list the benchmarks
`;

/** Parses argv (without node and the script); throws on a bad flag. */
export function parseFlags(argv: readonly string[]): Flags {
  const { values, bools } = scanArgv(
    argv,
    new Set(["benchmarks", "baselines", "config-size", "quorum-size", "concurrent", "payload", "time", "warmup", "repeat", "remotes", "server", "peers", "id", "protocol", "svg", "client-peers", "role", "connect", "count"]),
    new Set(["json", "list", "help", "h", "no-baselines"]),
  );
  const num = (name: string, def: number, min = 0): number => numberFlag(values, name, def, min);
  const list = (name: string): string[] =>
    (values.get(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  const remotes = list("remotes");
  const configSize = Math.floor(num("config-size", 4, 1));
  const nodes = remotes.length > 0 ? Math.min(configSize, remotes.length) : configSize;
  const quorumSize = Math.min(nodes, Math.floor(num("quorum-size", Math.floor(nodes / 2) + 1, 1)));
  const protocol = values.get("protocol") ?? "grpc";
  if (protocol !== "grpc" && protocol !== "connect") {
    throw new Error(`--protocol must be grpc or connect, not ${JSON.stringify(protocol)}`);
  }
  const baselines = bools.has("no-baselines") || values.get("baselines") === "none" ? null : new RegExp(values.get("baselines") ?? ".*", "i");
  const id = values.get("id");
  return {
    benchmarks: new RegExp(values.get("benchmarks") ?? ".*", "i"),
    baselines,
    configSize: nodes,
    quorumSize,
    concurrent: Math.floor(num("concurrent", 64, 1)),
    payload: Math.floor(num("payload", 16, 0)),
    timeS: num("time", 2, 0.01),
    warmupS: num("warmup", 0.5, 0),
    repeat: Math.floor(num("repeat", 1, 1)),
    remotes,
    server: values.get("server"),
    peers: list("peers"),
    id: id === undefined ? undefined : Math.floor(num("id", 0, 1)),
    json: bools.has("json"),
    protocol,
    svg: values.get("svg"),
    clientPeers: Math.floor(num("client-peers", 1000, 1)),
    list: bools.has("list"),
    help: bools.has("help") || bools.has("h"),
    role: values.get("role"),
    connect: values.get("connect"),
    count: Math.floor(num("count", 1, 1)),
  };
}
