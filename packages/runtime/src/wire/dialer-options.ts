import type * as http2 from "node:http2";
import type { KeepaliveOptions } from "./keepalive-options.js";
import type { GorumsWire } from "./gorums-wire.js";

/** How to reach one node: what every protocol's stream dialer takes. */
export interface DialerOptions {
  /** "host:port" of the node (IPv6 in brackets). */
  readonly address: string;
  /** Headers sent when a stream opens (metadata, identity). */
  readonly headers: Headers;
  /** TLS client options; plain HTTP/2 (h2c) when absent. */
  readonly tls?: http2.SecureClientSessionOptions;
  /** Largest message accepted from the node, in bytes (default 4 MiB). */
  readonly readMaxBytes?: number;
  /** PING the node while streams are open; off when absent. */
  readonly keepalive?: KeepaliveOptions;
  /**
   * Give up a connection attempt that takes longer (default 20 s): the TCP
   * and TLS handshakes, and on gRPC the node's first SETTINGS frame.
   */
  readonly connectTimeoutMs?: number;
  /**
   * The Go Gorums wire to speak on the gRPC protocol: "stream" (default, the
   * current one) or "ordering" (the Go Gorums v0.11.0 release's).
   */
  readonly wire?: GorumsWire;
}
