import type { SecureClientSessionOptions } from "node:http2";
import type { GorumsWire } from "../wire/gorums-wire.js";
import type { BackoffOptions } from "../wire/backoff.js";
import type { KeepaliveOptions } from "../wire/keepalive-options.js";
import type { RequestServer } from "../wire/request-server.js";

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
  /**
   * Wire protocol, both over HTTP/2: "grpc" (default, what Go Gorums
   * speaks), carried by gorums-ts's own node:http2 stream, or "connect",
   * carried by connect-node's client. A Server serves both.
   */
  protocol?: "grpc" | "connect";
  /**
   * The Go Gorums wire on the gRPC protocol: "stream" (default, the current
   * one: `/stream.Gorums/NodeStream`) or "ordering", to call nodes built on
   * the Go Gorums v0.11.0 release (`/ordering.Gorums/NodeStream`,
   * `application/grpc+gorums`). That release never calls back, so
   * "ordering" goes without `server` and with the "grpc" protocol only. A
   * Server serves both wires.
   */
  wire?: GorumsWire;
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
  /**
   * How long one connection attempt to a node may take before it is given
   * up with Unavailable and counts as a failed attempt for `backoff`: the
   * TCP and TLS handshakes and, on the gRPC protocol, the node's first
   * HTTP/2 SETTINGS frame (as grpc-go, which also waits for the server's
   * preface). Default 20 s, grpc-go's minimum connect timeout; without it a
   * dial into a network that drops SYNs would wait for the kernel's SYN
   * retries (about two minutes on Linux).
   */
  connectTimeoutMs?: number;
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
