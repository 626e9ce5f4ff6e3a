// The `server` subcommand: one storage replica in this process, a symmetric
// System that knows its peers (so that nested calls reach them).
//
//   node dist/main.js server --id 1 --addr 127.0.0.1:9081 \
//     --peers 1=127.0.0.1:9081,2=127.0.0.1:9082,3=127.0.0.1:9083
//
// It prints "replica <id> ready …" once every peer is connected (the local
// cluster launcher waits for that line), and stops on SIGINT or SIGTERM, or
// when the process that started it goes away (its IPC channel closes).
import { parseArgs } from "node:util";
import { newSymmetricSystem, type System, withNodes } from "@gorums/runtime";
import { majority } from "./aggregate.js";
import { registerStorageServer } from "./gen/storage/storage_gorums.js";
import { isHostPort, parsePeers, UsageError } from "./parse.js";
import { messageOf } from "./repl.js";
import { newStorageService } from "./storage-server.js";

export const SERVER_USAGE = `usage: node dist/main.js server --id <n> --addr <host:port> [--peers <id=host:port,...>] [--verbose]

  --id       this replica's node ID (1 or more)
  --addr     the address to listen on; other replicas know it by this address
  --peers    every replica of the group, this one included (default: just this one)
  --verbose  print a line for every request handled`;

/** The line a replica prints once all its peers are connected. */
export const READY = /^replica (\d+) ready on (\S+)/;

/** Runs a replica until it is told to stop; resolves with the exit code. */
export async function runServer(argv: string[]): Promise<number> {
  let id: number;
  let addr: string;
  let peers: Map<number, string>;
  let verbose: boolean;
  try {
    ({ id, addr, peers, verbose } = parseServerArgs(argv));
  } catch (err) {
    if (err instanceof HelpRequested) {
      console.log(SERVER_USAGE);
      return 0;
    }
    console.error(`storage server: ${messageOf(err)}\n\n${SERVER_USAGE}`);
    return 2;
  }

  const name = `replica ${id}`;
  let system: System;
  try {
    system = await newSymmetricSystem(addr, id, withNodes(peers));
  } catch (err) {
    console.error(`${name}: cannot listen on ${addr}: ${messageOf(err)}`);
    return 1;
  }
  const log = verbose ? (line: string) => console.log(`${name}: ${line}`) : undefined;
  const service = newStorageService({ ...(log !== undefined ? { log } : {}), nestedQuorum: majority(peers.size) });
  system.registerService((srv) => registerStorageServer(srv, service));
  await system.serve();
  system.newOutboundConfig();

  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Started by a launcher (main.js, demo.js): leave with it, even if it was killed.
  process.once("disconnect", stop);

  const others = peers.size - 1;
  console.log(`${name} listening on ${system.addr}${others === 0 ? "" : `, waiting for ${others} ${others === 1 ? "peer" : "peers"}`}`);
  try {
    await system.waitForConfig((c) => c.size === peers.size, { signal: stopping.signal });
    console.log(`${name} ready on ${system.addr}${others === 0 ? " (no peers)" : `: all ${peers.size} replicas connected`}`);
  } catch {
    // Stopped before every peer came up.
  }
  if (!stopping.signal.aborted) {
    await new Promise((resolve) => stopping.signal.addEventListener("abort", resolve, { once: true }));
  }
  await system.stop();
  return 0;
}

class HelpRequested extends Error {}

function parseServerArgs(argv: string[]): { id: number; addr: string; peers: Map<number, string>; verbose: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: "string" },
      addr: { type: "string" },
      peers: { type: "string" },
      verbose: { type: "boolean", short: "v", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    throw new HelpRequested();
  }
  if (values.id === undefined || !/^\d+$/.test(values.id) || Number(values.id) === 0) {
    throw new UsageError(values.id === undefined ? "--id is required" : `invalid --id '${values.id}': it must be a number of 1 or more`);
  }
  const id = Number(values.id);
  if (values.addr === undefined || !isHostPort(values.addr)) {
    throw new UsageError(values.addr === undefined ? "--addr is required" : `invalid --addr '${values.addr}': use host:port, like 127.0.0.1:9081`);
  }
  const addr = values.addr;
  const peers = values.peers === undefined ? new Map([[id, addr]]) : parsePeers(values.peers);
  const own = peers.get(id);
  if (own === undefined) {
    peers.set(id, addr);
  } else if (own !== addr) {
    throw new UsageError(`--peers says replica ${id} is at ${own}, but --addr is ${addr}`);
  }
  return { id, addr, peers, verbose: values.verbose };
}
