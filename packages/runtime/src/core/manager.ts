import type { SecureClientSessionOptions } from "node:http2";
import type { BackoffOptions } from "../wire/backoff.js";
import type { KeepaliveOptions } from "../wire/keepalive.js";
import type { StreamTransport } from "../wire/transport.js";
import type { RequestServer } from "../wire/request-server.js";
import { Configuration } from "./configuration.js";
import type { NodeListOption, NodeSpec } from "./node-list.js";
import type { NodeRegistry } from "./node-registry.js";
import { Node } from "./node.js";
import { newOutboundChannel } from "./outbound-channel.js";

/** TLS options for dialing: Node's secure HTTP/2 client session options (ca, cert, key, servername, …). */
export type SecureClientOptions = SecureClientSessionOptions;

/** How a Manager reaches its nodes. */
export interface ManagerOptions {
  /** Headers sent on every stream this manager opens (the server sees them in `ctx.metadata`). */
  metadata?: Record<string, string>;
  /** Most calls per node that may wait for a stream; more fail with ResourceExhausted. Default: no limit. */
  sendBufferSize?: number;
  /** Spacing of reconnection attempts (defaults: 100 ms initial, 1 s max, ×1.6, ±20%). */
  backoff?: BackoffOptions;
  /**
   * Serve calls that the other side sends back on these streams. The streams
   * then announce `gorums-node-id: 0`, so the server lists this client in its
   * `clientConfig()`, and open as soon as a node is created (otherwise they
   * open with the first call).
   */
  server?: RequestServer;
  /**
   * Dial every node as soon as it is created, and dial again after a failed
   * dial or a lost stream (spaced by `backoff`) until closed, rather than
   * only when a call needs a stream: `node.connected` then follows whether
   * each node is reachable, as a monitor wants. Idle streams still never
   * keep the process alive. Default: false.
   */
  keepConnected?: boolean;
  /** Dial with TLS. */
  tls?: SecureClientOptions;
  /** Wire protocol: "grpc" (default, what Go Gorums speaks) or "connect" (always on connect-node), both over HTTP/2. */
  protocol?: "grpc" | "connect";
  /** Largest reply accepted, in bytes; larger ones fail the stream with ResourceExhausted. Default 4 MiB, as gRPC. */
  maxMessageBytes?: number;
  /**
   * HTTP/2 keepalive: PING each node every `intervalMs` while its stream is
   * open, and drop a connection whose PING is not answered within
   * `timeoutMs` (default 20 s), so that a node that stopped answering with
   * its TCP connection still open fails over (Unavailable, reconnect)
   * instead of waiting for deadlines. Off by default, as in gRPC. Against Go
   * Gorums servers keep `intervalMs` ≥ their keepalive enforcement's MinTime
   * (grpc-go default: 5 minutes), or they close the connection.
   */
  keepalive?: KeepaliveOptions;
  /** NodeStream implementation for the gRPC protocol: "http2" (default) or "connect-node". */
  transport?: StreamTransport;
  /** @private Further stream headers (identity headers set by a System). */
  streamHeaders?: Record<string, string>;
  /**
   * Credentials made afresh for each new connection, such as a `gorums-auth`
   * token with a timestamp (`hmacStreamAuth(secret)`; a System with
   * `peerAuth: { mode: "hmac" }` sets it for its outbound configurations).
   */
  streamAuth?: StreamAuth;
}

/**
 * Headers computed from a stream's other headers when a connection is made.
 * A connection whose headers are `maxAgeMs` old is not reused for a new
 * stream: the next dial makes a new connection with fresh headers.
 */
export interface StreamAuth {
  headers(streamHeaders: Headers): Record<string, string>;
  readonly maxAgeMs: number;
}

/**
 * Owns the outbound nodes of one or more configurations: one channel, and so
 * one HTTP/2 connection and one NodeStream, per node.
 */
export class Manager implements NodeRegistry {
  private readonly byID = new Map<number, Node>();
  private closed = false;

  constructor(private readonly options: ManagerOptions = {}) {}

  /** A configuration of the nodes of a node list; new nodes are created. Throws on a bad list. */
  newConfiguration(list: NodeListOption): Configuration {
    return new Configuration(this.nodesFor(list), this);
  }

  /** Every node of this manager, by ascending ID. */
  nodes(): Node[] {
    return [...this.byID.values()].sort((a, b) => a.id - b.id);
  }

  /** The node with this ID, if known. */
  node(id: number): Node | undefined {
    return this.byID.get(id);
  }

  /** @private */
  knownNodes(): Iterable<NodeSpec> {
    return this.byID.values();
  }

  /** @private */
  nodesFor(list: NodeListOption | undefined): Node[] {
    if (list === undefined) {
      throw new Error("gorums: missing required node list");
    }
    if (this.closed) {
      throw new Error("gorums: manager is closed");
    }
    return list.resolve(this).map((spec) => this.byID.get(spec.id) ?? this.createNode(spec));
  }

  /** Closes every node: pending calls fail with Unavailable "node closed". Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const node of this.byID.values()) {
      node.channel.close();
    }
  }

  private createNode(spec: NodeSpec): Node {
    const keepConnected = this.options.keepConnected === true;
    const channel = newOutboundChannel(spec, this.options, keepConnected ? { keepConnected } : {});
    const node = new Node(spec.id, spec.address, channel, this);
    this.byID.set(spec.id, node);
    if (this.options.server !== undefined || keepConnected) {
      // A client that serves calls dials at once, so that the server can call it back before it calls anyone.
      void channel.connect();
    }
    return node;
  }
}

/**
 * A configuration of the nodes of a node list, with a Manager of its own
 * (closed by `Configuration.close()`). Throws on a bad list.
 */
export function newConfig(list: NodeListOption, opts?: ManagerOptions): Configuration {
  const manager = new Manager(opts);
  return manager.newConfiguration(list);
}
