import type { PeerCertificate } from "node:tls";
import type { Configuration } from "../core/configuration.js";
import type { Channel } from "../wire/channel.js";
import type { RequestServer } from "../wire/request-server.js";

/** A NodeStream that a peer just opened, as an acceptor judges it. */
export interface AcceptedStream {
  /** The headers the peer opened it with. */
  readonly headers: Headers;
  /** The peer's socket address, "host:port". */
  readonly peerAddress: string;
  /**
   * The client's TLS certificate, only when the connection is TLS and the
   * handshake verified the certificate against the server's CA
   * (`requestCert`; the socket is `authorized`).
   */
  readonly peerCertificate?: PeerCertificate;
}

/**
 * Who opened a stream, as a PeerAcceptor found (Go's `AcceptPeer` result):
 * the Server builds the stream's one Channel with `nodeID`, then hands it
 * to `register`, and runs the cleanup `register` returns when the stream ends.
 */
export interface AcceptedPeer {
  /**
   * The channel's node ID, and what its handlers see as `ctx.peer.nodeID`:
   * a known peer's ID, a client peer's assigned ID, 0 for an untracked
   * external client.
   */
  readonly nodeID: number;
  /**
   * Tracks the channel of the stream (absent: an untracked external
   * client). `endStream` ends the stream and lets the server forget the
   * channel, for a peer whose newer stream replaces this one. Returns what
   * to do when the stream ends.
   */
  register?(channel: Channel, endStream: () => void): () => void;
}

/** An external client: node ID 0, served but untracked. */
export const EXTERNAL_PEER: AcceptedPeer = { nodeID: 0 };

/** Decides who opened a new stream (Go's `PeerAcceptor`). */
export interface PeerAcceptor {
  /**
   * Says who opened the stream; throws a ConnectError (PermissionDenied,
   * Unauthenticated) to refuse it. Nothing is tracked until the returned
   * peer's `register`, so a refused stream never enters a configuration.
   */
  acceptPeer(s: AcceptedStream): AcceptedPeer | Promise<AcceptedPeer>;
}

/**
 * A server's peer tracking beyond a plain Server's client peers: an
 * InboundManager (known peers and client peers, symmetric configurations).
 */
export interface StreamAcceptor extends PeerAcceptor {
  /** The known peers connected, self included. */
  inboundConfig(): Configuration;
  /** The client peers connected. */
  clientConfig(): Configuration;
  /** Called once by the server that uses this acceptor: the self node is served in-process by it. */
  serveSelf(server: RequestServer): void;
  /** The server stopped: waiters are released. */
  stop(): void;
}
