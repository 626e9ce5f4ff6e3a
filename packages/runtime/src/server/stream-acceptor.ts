import type { PeerCertificate } from "node:tls";
import type { Configuration } from "../core/configuration.js";
import type { BidiStream } from "../wire/bidi-stream.js";
import type { Channel } from "../wire/channel.js";
import type { RequestServer } from "../wire/request-server.js";

/** A NodeStream that a peer just opened. */
export interface AcceptedStream {
  readonly stream: BidiStream;
  /** The headers the peer opened it with. */
  readonly headers: Headers;
  /** The peer's socket address, "host:port". */
  readonly peerAddress: string;
  /** Aborts when the stream ends or the server stops (handlers' `ctx.signal`). */
  readonly signal: AbortSignal;
  /**
   * The client's TLS certificate, only when the connection is TLS and the
   * handshake verified the certificate against the server's CA
   * (`requestCert`; the socket is `authorized`).
   */
  readonly peerCertificate?: PeerCertificate;
}

/** Something that serves a stream's requests (the Server) and can tell when it ends. */
export interface AcceptingServer extends RequestServer {}

/**
 * Decides what a new stream is: who opened it and which channel carries it.
 * An InboundManager is one (it tracks known peers and client peers); a plain
 * Server tracks client peers only (ClientPeers) and serves every other stream
 * as an untracked external client.
 */
export interface StreamAcceptor {
  /**
   * Makes the channel for a new stream, serving its requests with `server`;
   * throws a ConnectError (PermissionDenied, Unauthenticated) to refuse the stream.
   * `onDown` must be passed on as the channel's onStreamDown.
   */
  accept(s: AcceptedStream, server: AcceptingServer, onDown: (c: Channel) => void): Promise<Channel>;
  /** The known peers connected, self included. */
  inboundConfig(): Configuration;
  /** The client peers connected. */
  clientConfig(): Configuration;
  /** Called once by the server that uses this acceptor: the self node is served by it. */
  attachServer(server: AcceptingServer): void;
  /** The server stopped: waiters are released. */
  stop(): void;
}
