import type { Configuration } from "../core/configuration.js";
import { ADDR_HEADER, NODE_ID_HEADER } from "../core/identity-headers.js";
import type { ManagerOptions } from "../core/manager.js";
import { type NodeListOption, withNodes } from "../core/node-list.js";
import { newOutboundChannel } from "../core/outbound-channel.js";
import { Server, type ServerOptions } from "../server/server.js";
import { InboundManager, type InboundNodeOption } from "./inbound-manager.js";

/** How a System serves and dials. */
export interface SystemOptions {
  /** Server options: interceptors, TLS, onConnect, co-hosted routes. */
  server?: Omit<ServerOptions, "inboundManager" | "deferServing">;
  /** How outbound configurations dial: metadata, TLS, backoff, protocol. */
  dial?: Omit<ManagerOptions, "server" | "streamHeaders">;
  /** Called with the inbound configuration at start and on every change. */
  onConfigChange?: (config: Configuration) => void;
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
      this.myID === 0 ? { [NODE_ID_HEADER]: "0" } : { [ADDR_HEADER]: this.announcedAddress(), [NODE_ID_HEADER]: String(this.myID) };
    const dialOptions: ManagerOptions = { ...this.options.dial, ...opts, server: this.server, streamHeaders };
    const changed = () => this.inbound.changed();
    for (const node of list) {
      this.inbound.link(node.id)?.enableDialing(() =>
        newOutboundChannel(node, dialOptions, { onStreamUp: changed, onStreamDown: changed }),
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
  return startSystem(addr, opts, () => new InboundManager(0, undefined, onChange(opts)));
}

/**
 * A replica `myID` among `peers` (which should name this system's own
 * address). Listens at once; dispatching starts with `serve()`.
 */
export async function newSymmetricSystem(addr: string, myID: number, peers: InboundNodeOption, opts: SystemOptions = {}): Promise<System> {
  return startSystem(addr, opts, () => new InboundManager(myID, peers, onChange(opts)));
}

/**
 * `n` replicas on 127.0.0.1 (free ports), IDs 1..n, each knowing all, each
 * with an outbound configuration to the others, and serving. `stop()` stops
 * them all (listeners are closed even if a system was never served).
 */
export async function newLocalSystems(n: number, opts: SystemOptions = {}): Promise<{ systems: System[]; stop(): Promise<void> }> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const server = new Server({ ...opts.server, deferServing: true });
      return { server, addr: await server.listen("127.0.0.1:0") };
    }),
  );
  const peers = withNodes(new Map(servers.map((s, i) => [i + 1, s.addr])));
  const systems = servers.map(({ server, addr }, i) => {
    const inbound = new InboundManager(i + 1, peers, onChange(opts));
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
  const server = new Server({ ...opts.server, deferServing: true });
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

function onChange(opts: SystemOptions): { onChange?: (c: Configuration) => void } {
  return opts.onConfigChange !== undefined ? { onChange: opts.onConfigChange } : {};
}
