/**
 * HTTP/2 keepalive, as gRPC's client keepalive: while streams are open, a
 * PING every `intervalMs`; a session whose PING is not acknowledged within
 * `timeoutMs` is torn down, so its streams fail (Unavailable) and the channel
 * dials again. It finds a peer that stopped answering while its kernel keeps
 * the TCP connection open (a stopped process, a silent network partition),
 * which nothing else notices until a call's deadline. Off by default, as in
 * gRPC: a grpc-go server (Go Gorums) by default answers PINGs more often than
 * every 5 minutes with GOAWAY ENHANCE_YOUR_CALM ("too_many_pings"), so
 * against Go servers keep `intervalMs` at or above their
 * `keepalive.EnforcementPolicy.MinTime`.
 */
export interface KeepaliveOptions {
  /** Time between PINGs while the session has open streams, in ms (at least 10). */
  readonly intervalMs: number;
  /** How long to wait for a PING's acknowledgement, in ms (default 20,000, as gRPC). */
  readonly timeoutMs?: number;
}

/** Default of `KeepaliveOptions.timeoutMs`: gRPC's keepalive timeout. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
