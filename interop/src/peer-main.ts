/**
 * The TypeScript interop peer: the same command line and JSON-lines protocol
 * as the Go peer (interop/go), on @gorums/runtime.
 *
 *   node dist/peer-main.js server --addr H:P [--id N --peers 1=H:P,…] [--tls-cert F --tls-key F]
 *   node dist/peer-main.js system --id N --peers 1=H:P,… [--tls-cert F --tls-key F --tls-ca F]
 *   node dist/peer-main.js client --nodes 1=H:P,… [--serve] [--metadata k=v]… [--node-id-header V] [--tls-ca F --tls-server-name N] [--wire stream|ordering]
 */
import { readFileSync } from "node:fs";
import * as readline from "node:readline";
import { type Configuration, InboundManager, Manager, newSymmetricSystem, Server, type ServerOptions, withNodes } from "@gorums/runtime";
import { runCommand, type Targets } from "./commands.js";
import { parseFlags, parseNodes } from "./flags.js";
import { registerStorageServer } from "@gorums/example-storage/gen/storage/storage_gorums";
import type { Command, PeerEvent, Result, Target } from "./protocol.js";
import { storageHandlers } from "./storage-handlers.js";

/** A running peer: what its commands call, and how it stops. */
interface Running {
  readonly targets: Targets;
  readonly fallback: Target;
  stop(): Promise<void>;
}

function emit(line: PeerEvent | Result): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Emits a config event whenever `ids()` changes, until the peer stops. */
function watchIDs(event: "config" | "clients", wait: (cond: (c: Configuration) => boolean) => Promise<void>, current: () => Configuration): void {
  let last = "";
  const loop = async () => {
    for (;;) {
      const ids = current().nodeIDs();
      const key = ids.join(",");
      if (key !== last) {
        last = key;
        emit({ event, ids });
      }
      await wait((c) => c.nodeIDs().join(",") !== last);
    }
  };
  loop().catch(() => {}); // ends with ErrStopped
}

function serverTls(flags: Map<string, string[]>): ServerOptions["tls"] | undefined {
  const cert = flags.get("tls-cert")?.[0];
  const key = flags.get("tls-key")?.[0];
  return cert !== undefined && key !== undefined ? { cert: readFileSync(cert), key: readFileSync(key) } : undefined;
}

function clientTls(flags: Map<string, string[]>): { ca: Buffer; servername?: string } | undefined {
  const ca = flags.get("tls-ca")?.[0];
  const name = flags.get("tls-server-name")?.[0];
  return ca === undefined ? undefined : { ca: readFileSync(ca), ...(name !== undefined ? { servername: name } : {}) };
}

async function startServer(flags: Map<string, string[]>): Promise<Running> {
  const id = Number(flags.get("id")?.[0] ?? "0");
  const peers = flags.get("peers")?.[0];
  const inbound = new InboundManager(id, peers !== undefined ? withNodes(parseNodes(peers)) : undefined);
  const tls = serverTls(flags);
  const server = new Server({ inboundManager: inbound, ...(tls !== undefined ? { tls } : {}) });
  registerStorageServer(server, storageHandlers());
  const addr = await server.listen(flags.get("addr")?.[0] ?? "127.0.0.1:0");
  emit({ event: "listening", addr });
  watchIDs("config", (c) => inbound.waitForConfig(c), () => inbound.inboundConfig());
  watchIDs("clients", (c) => inbound.waitForClientConfig(c), () => inbound.clientConfig());
  return {
    targets: (t) => (t === "clients" ? inbound.clientConfig() : inbound.inboundConfig()),
    fallback: "config",
    stop: () => server.stop(),
  };
}

async function startSystem(flags: Map<string, string[]>): Promise<Running> {
  const id = Number(flags.get("id")?.[0]);
  const peers = parseNodes(flags.get("peers")?.[0] ?? "");
  const own = peers.get(id);
  if (own === undefined) {
    throw new Error(`--id ${id} is not in --peers`);
  }
  const tls = serverTls(flags);
  const dialTls = clientTls(flags);
  const system = await newSymmetricSystem(own, id, withNodes(peers), {
    ...(tls !== undefined ? { server: { tls } } : {}),
    ...(dialTls !== undefined ? { dial: { tls: dialTls } } : {}),
  });
  system.registerService((srv) => registerStorageServer(srv, storageHandlers()));
  await system.serve();
  const outbound = system.newOutboundConfig();
  emit({ event: "listening", addr: system.addr });
  watchIDs("config", (c) => system.waitForConfig(c), () => system.inboundConfig());
  watchIDs("clients", (c) => system.waitForClientConfig(c), () => system.clientConfig());
  return {
    targets: (t) => (t === "clients" ? system.clientConfig() : t === "config" ? system.inboundConfig() : outbound),
    fallback: "outbound",
    stop: () => system.stop(),
  };
}

async function startClient(flags: Map<string, string[]>): Promise<Running> {
  const metadata: Record<string, string> = {};
  for (const kv of flags.get("metadata") ?? []) {
    const eq = kv.indexOf("=");
    metadata[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const idHeader = flags.get("node-id-header")?.[0];
  if (idHeader !== undefined) {
    metadata["gorums-node-id"] = idHeader;
  }
  let server: Server | undefined;
  if (flags.has("serve")) {
    server = new Server();
    registerStorageServer(server, storageHandlers());
  }
  const tls = clientTls(flags);
  // --wire ordering: call servers built on the Go Gorums v0.11.0 release, on its wire.
  const wire = flags.get("wire")?.[0];
  if (wire !== undefined && wire !== "stream" && wire !== "ordering") {
    throw new Error(`--wire must be "stream" or "ordering", not ${JSON.stringify(wire)}`);
  }
  const manager = new Manager({ metadata, ...(server !== undefined ? { server } : {}), ...(tls !== undefined ? { tls } : {}), ...(wire !== undefined ? { wire } : {}) });
  const config = manager.newConfiguration(withNodes(parseNodes(flags.get("nodes")?.[0] ?? "")));
  emit({ event: "ready" });
  return {
    targets: () => config,
    fallback: "nodes",
    stop: async () => {
      await manager.close();
      await server?.stop();
    },
  };
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  const flags = parseFlags(rest);
  const start = mode === "server" ? startServer : mode === "system" ? startSystem : mode === "client" ? startClient : undefined;
  if (start === undefined) {
    process.stderr.write("usage: peer-main.js server|system|client [flags] (see interop/go/README.md)\n");
    process.exit(2);
  }
  const peer = await start(flags);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= peer.stop().finally(() => process.exit(0));
    return stopping;
  };
  process.on("SIGTERM", () => void stop());
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "") {
      return;
    }
    const cmd = JSON.parse(line) as Command;
    if (cmd.op === "quit") {
      emit({ id: cmd.id, ok: true });
      void stop();
      return;
    }
    void runCommand(cmd, peer.targets, peer.fallback).then(emit);
  });
  lines.on("close", () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`peer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
