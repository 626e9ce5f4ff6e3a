import type { Configuration } from "../core/configuration.js";
import { ADDR_HEADER, NODE_ID_HEADER } from "../core/identity-headers.js";
import { CAPABILITIES_HEADER, SHARED_LINK_CAPABILITY } from "../wire/capabilities.js";
import type { ManagerOptions } from "../core/manager-options.js";
import { type NodeListOption, withNodes } from "../core/node-list.js";
import { newOutboundChannel } from "../core/outbound-channel.js";
import { Server, type ServerOptions } from "../server/server.js";
import type { PeerIdentityCheck } from "./identify-peer.js";
import { InboundManager, type InboundManagerOptions, type InboundNodeOption } from "./inbound-manager.js";
import { certificateNamesPeer, checkPeerAuth, hmacStreamAuth, type PeerAuth } from "./peer-auth.js";

/**
 * How long a stream dialed to a peer must stay open, unrefused, to count as
 * accepted when the peer sends no response headers: gorums-ts servers send
 * them when they adopt a stream, but grpc-go (Go Gorums) sends them only with
 * its first message, and refuses a stream with a trailers-only response, at
 * once. Until then (or a message) the peer is not in `inboundConfig()`.
 */
const HEADERLESS_ACCEPT_MS = 1000;

/** How a System serves and dials. */
export interface SystemOptions {
  /** Server options: interceptors, TLS, onConnect, co-hosted routes. */
  server?: Omit<ServerOptions, "inboundManager" | "deferServing">;
  /** How outbound configurations dial: metadata, TLS, backoff, protocol. */
  dial?: Omit<ManagerOptions, "server" | "streamHeaders">;
  /** Called with the inbound configuration at start and on every change. */
  onConfigChange?: (config: Configuration) => void;
  /**
   * Peer authentication beyond the identity headers (docs/security.md),
   * both ways. `{ mode: "hmac", secret }`: outbound configurations send a
   * `gorums-auth` token, the server refuses streams without a valid one.
   * `{ mode: "tls-identity" }`: needs `server.tls` (key, cert, and the
   * peers' CA as `ca`) and `dial.tls` (the same key and cert, and `ca`); the
   * server then requires verified client certificates (requestCert,
   * rejectUnauthorized), a stream claiming a known peer must carry that
   * peer's certificate, and a dialed peer's server certificate must name
   * the peer dialed (a SAN URI `gorums:node:<id>`, else its address host).
   * Refused streams fail with Unauthenticated. Default: none.
   */
  peerAuth?: PeerAuth;
  /** How known peers' host names are resolved for the host check (see InboundManagerOptions.lookup). */
  lookup?: (host: string) => Promise<string[]>;
  /** How a claim to be a known peer is checked (see InboundManagerOptions.identity; default "strict"). */
  identity?: PeerIdentityCheck;
}

/**
 * A replica (or a client peer) in a symmetric deployment: one Server that
 * tracks who is connected, and outbound configurations that dial the known
 * peers with this system's address and ID, serving the calls that come back.
 * Every pair of systems shares one connection, whichever side dialed.
 */
export class System {
  private readonly closers: Array<{ close(): unknown }> = [];
  private stopped = false;

  /** @private Use newSystem, newSymmetricSystem or newLocalSystems. */
  constructor(
    /** The bound "host:port" this system serves on (and announces as `gorums-addr`). */
    readonly addr: string,
    /** The server behind this system; register services on it. */
    readonly server: Server,
    private readonly inbound: InboundManager,
    private readonly options: SystemOptions,
  ) {}

  /** This system's node ID among its peers (0: no known peers). */
  get myID(): number {
    return this.inbound.myID;
  }

  /** @private The InboundManager behind this system. */
  get inboundManager(): InboundManager {
    return this.inbound;
  }

  /** Registers a service on the server (a generated register function), with something to close on stop. */
  registerService(register: (srv: Server) => void, closer?: { close(): unknown }): void {
    register(this.server);
    if (closer !== undefined) {
      this.closers.push(closer);
    }
  }

  /** Starts dispatching. Streams that arrived earlier waited for this; none were refused. */
  async serve(): Promise<void> {
    this.server.serve();
  }

  /** Self plus every connected known peer (live; see InboundManager). */
  inboundConfig(): Configuration {
    return this.inbound.inboundConfig();
  }

  /** Every connected client peer. */
  clientConfig(): Configuration {
    return this.inbound.clientConfig();
  }

  /** Resolves once `cond(inboundConfig())` holds; rejects with the signal's reason on abort, or with ErrStopped on stop. */
  waitForConfig(cond: (c: Configuration) => boolean, opts?: { signal?: AbortSignal }): Promise<void> {
    return this.inbound.waitForConfig(cond, opts);
  }

  /** Resolves once `cond(clientConfig())` holds; rejects with the signal's reason on abort, or with ErrStopped on stop. */
  waitForClientConfig(cond: (c: Configuration) => boolean, opts?: { signal?: AbortSignal }): Promise<void> {
    return this.inbound.waitForClientConfig(cond, opts);
  }

  /**
   * A configuration that dials peers (default: every known peer, self
   * included and served in-process), announcing this system's address and
   * ID, and serving calls that come back on those streams. Nodes are the
   * same Node objects as in `inboundConfig()`; unknown entries of `nodes`
   * become known peers. Streams open at once. The nodes belong to the
   * System: `System.stop()` closes them.
   */
  newOutboundConfig(nodes?: NodeListOption, opts: Omit<ManagerOptions, "server" | "streamHeaders"> = {}): Configuration {
    const list = nodes === undefined ? this.inbound.knownPeers() : this.inbound.nodesFor(nodes);
    const streamHeaders: Record<string, string> =
      this.myID === 0
        ? { [NODE_ID_HEADER]: "0" }
        : { [ADDR_HEADER]: this.announcedAddress(), [NODE_ID_HEADER]: String(this.myID), [CAPABILITIES_HEADER]: SHARED_LINK_CAPABILITY };
    const auth = this.options.peerAuth;
    const dialOptions: ManagerOptions = {
      ...this.options.dial,
      ...opts,
      server: this.server,
      streamHeaders,
      ...(auth?.mode === "hmac" ? { streamAuth: hmacStreamAuth(auth.secret, auth.maxSkewMs !== undefined ? { maxSkewMs: auth.maxSkewMs } : {}) } : {}),
    };
    if (auth?.mode === "tls-identity" && dialOptions.tls === undefined) {
      throw new Error("gorums: peerAuth tls-identity needs dial.tls (this system's key and cert, and the peers' CA)");
    }
    const changed = () => this.inbound.changed();
    for (const node of list) {
      this.inbound.link(node.id)?.enableDialing(() =>
        newOutboundChannel(node, auth?.mode === "tls-identity" ? checkingPeerCertificate(dialOptions, node.id, node.address) : dialOptions, {
          onStreamUp: changed,
          onStreamDown: changed,
          acceptAfterMs: HEADERLESS_ACCEPT_MS,
          keepConnected: true,
        }),
      );
    }
    return this.inbound.configurationOf(list);
  }

  /**
   * The `gorums-addr` this system announces: its own entry in the peer list,
   * which is how the other replicas know it (the bound address may be
   * "[::]:port" or "0.0.0.0:port" when listening on all interfaces, or be
   * spelled differently), else the bound address.
   */
  private announcedAddress(): string {
    return this.inbound.knownPeers().find((n) => n.id === this.myID)?.address ?? this.addr;
  }

  /**
   * Stops the system: the server (listener closed even if never served,
   * streams ended, waiters released with ErrStopped), every peer's channels
   * (pending calls fail with "node closed"), then the registered closers.
   * With `graceMs`, requests in flight may finish first (see Server.stop).
   * Idempotent.
   */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    await this.server.stop(opts);
    this.inbound.closeAll();
    const errors: unknown[] = [];
    for (const closer of this.closers) {
      try {
        await closer.close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, "gorums: closing registered services failed");
    }
  }
}

/**
 * A system without known peers: it serves, tracks client peers, and dials
 * others as a client peer (`gorums-node-id: 0`). Listens at once ("host:0"
 * picks a port); dispatching starts with `serve()`.
 */
export async function newSystem(addr: string, opts: SystemOptions = {}): Promise<System> {
  return startSystem(addr, opts, () => new InboundManager(0, undefined, inboundOptions(opts)));
}

/**
 * A replica `myID` among `peers` (which should name this system's own
 * address). Listens at once; dispatching starts with `serve()`.
 */
export async function newSymmetricSystem(addr: string, myID: number, peers: InboundNodeOption, opts: SystemOptions = {}): Promise<System> {
  return startSystem(addr, opts, () => new InboundManager(myID, peers, inboundOptions(opts)));
}

/**
 * `n` replicas on 127.0.0.1 (free ports), IDs 1..n, each knowing all, each
 * with an outbound configuration to the others, and serving. `stop()` stops
 * them all (listeners are closed even if a system was never served).
 */
export async function newLocalSystems(n: number, opts: SystemOptions = {}): Promise<{ systems: System[]; stop(): Promise<void> }> {
  const serverOptions = systemServerOptions(opts);
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const server = new Server({ ...serverOptions, deferServing: true });
      return { server, addr: await server.listen("127.0.0.1:0") };
    }),
  );
  const peers = withNodes(new Map(servers.map((s, i) => [i + 1, s.addr])));
  const systems = servers.map(({ server, addr }, i) => {
    const inbound = new InboundManager(i + 1, peers, inboundOptions(opts));
    server.useInboundManager(inbound);
    return new System(addr, server, inbound, opts);
  });
  for (const system of systems) {
    await system.serve();
    system.newOutboundConfig();
  }
  const stop = async () => {
    await Promise.all(systems.map((s) => s.stop()));
  };
  return { systems, stop };
}

async function startSystem(addr: string, opts: SystemOptions, makeInbound: () => InboundManager): Promise<System> {
  const server = new Server({ ...systemServerOptions(opts), deferServing: true });
  const bound = await server.listen(addr);
  let inbound: InboundManager;
  try {
    inbound = makeInbound();
  } catch (err) {
    await server.stop();
    throw err;
  }
  server.useInboundManager(inbound);
  return new System(bound, server, inbound, opts);
}

/** The InboundManager options of a system. */
function inboundOptions(opts: SystemOptions): InboundManagerOptions {
  return {
    ...(opts.onConfigChange !== undefined ? { onChange: opts.onConfigChange } : {}),
    ...(opts.peerAuth !== undefined ? { peerAuth: opts.peerAuth } : {}),
    ...(opts.lookup !== undefined ? { lookup: opts.lookup } : {}),
    ...(opts.identity !== undefined ? { identity: opts.identity } : {}),
  };
}

/**
 * A system's server options: with TLS identity, client certificates are
 * required and verified (and both TLS settings must be given). Throws on a
 * peerAuth that cannot work, before anything listens.
 */
function systemServerOptions(opts: SystemOptions): SystemOptions["server"] {
  const auth = opts.peerAuth;
  if (auth === undefined) {
    return opts.server;
  }
  checkPeerAuth(auth);
  if (auth.mode !== "tls-identity") {
    return opts.server;
  }
  const tls = opts.server?.tls;
  if (tls === undefined || opts.dial?.tls === undefined) {
    throw new Error("gorums: peerAuth tls-identity needs server.tls and dial.tls (this system's key and cert, and the peers' CA as ca)");
  }
  return { ...opts.server, tls: { ...tls, requestCert: true, rejectUnauthorized: true } };
}

/** Dial options whose TLS accepts only a server certificate that names peer `id` at `address` (see certificateNamesPeer). */
function checkingPeerCertificate(opts: ManagerOptions, id: number, address: string): ManagerOptions {
  return {
    ...opts,
    tls: {
      ...opts.tls,
      checkServerIdentity: (_host, cert) =>
        certificateNamesPeer(cert, id, address) ? undefined : new Error(`gorums: the server certificate of ${address} (${cert.subjectaltname ?? "no subjectAltName"}) does not name node ${id} or its host`),
    },
  };
}
