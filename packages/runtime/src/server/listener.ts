import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { type ConnectError, createContextKey, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Gorums, type Message } from "../gen/stream_pb.js";
import { formatAddress } from "../wire/address.js";
import { connectServerStream } from "../wire/connect/connect-server-stream.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/grpc/grpc-frame.js";
import { keepSessionAlive } from "../wire/grpc/keepalive.js";
import { type AcceptedNodeStream, nodeStreamRequestListener } from "../wire/grpc/node-stream-listener.js";
import type { ServerOptions } from "./server.js";

/** Default of `ServerOptions.maxStreamsPerConnection`. */
export const DEFAULT_MAX_STREAMS_PER_CONNECTION = 1000;

/** Default of `ServerOptions.handshakeTimeoutMs`. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;

/** How long a graceful stop waits for sessions to close after ending their streams. */
const SESSION_FLUSH_MS = 500;

/** Longest delay setTimeout takes (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 0x7fffffff;

/** The ServerOptions a Listener applies to its connections. */
export type SessionPolicy = Pick<ServerOptions, "tls" | "routes" | "maxMessageBytes" | "maxStreamsPerConnection" | "handshakeTimeoutMs" | "keepalive">;

/** Where the NodeStreams a Listener accepts go. */
export interface ListenerOptions {
  /** Aborts connect-node's calls (Connect-protocol NodeStreams, co-hosted routes) when the server stops. */
  readonly shutdownSignal: AbortSignal;
  /**
   * Takes a NodeStream that opened (either protocol), with the client's
   * verified TLS certificate; resolves with the error to end the stream
   * with when it is refused.
   */
  adopt(accepted: AcceptedNodeStream, peerCertificate: PeerCertificate | undefined): Promise<ConnectError | undefined>;
}

const kPeerAddress = createContextKey<string>("");
const kPeerCertificate = createContextKey<PeerCertificate | undefined>(undefined);

/**
 * A Server's HTTP/2 listener and the policy of its sessions: gRPC
 * NodeStreams are served by our node:http2 stream, everything else
 * (Connect-protocol NodeStreams, co-hosted routes) by connect-node; a
 * connection that never starts HTTP/2 is dropped after the handshake
 * timeout; sessions are pinged when keepalive is on; a graceful stop closes
 * them with GOAWAY.
 */
export class Listener {
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly httpServer: http2.Http2Server | http2.Http2SecureServer;

  constructor(policy: SessionPolicy, private readonly options: ListenerOptions) {
    const readMaxBytes = policy.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const adapter = connectNodeAdapter({
      routes: (router) => {
        router.service(Gorums, { nodeStream: (requests, ctx) => this.acceptConnectStream(requests, ctx) });
        policy.routes?.(router);
      },
      contextValues: (req) =>
        createContextValues()
          .set(kPeerAddress, formatAddress(req.socket.remoteAddress ?? "", req.socket.remotePort ?? 0))
          .set(kPeerCertificate, verifiedPeerCertificate(req.socket)),
      shutdownSignal: options.shutdownSignal,
      readMaxBytes,
    });
    // The NodeStream listener is made per request so that the stream it
    // accepts (synchronously) is adopted with its connection's certificate.
    const listener = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void =>
      nodeStreamRequestListener((accepted) => void this.acceptHttp2Stream(accepted, verifiedPeerCertificate(req.socket)), adapter, { readMaxBytes })(req, res);
    const maxConcurrentStreams = policy.maxStreamsPerConnection ?? DEFAULT_MAX_STREAMS_PER_CONNECTION;
    this.httpServer =
      policy.tls === undefined
        ? http2.createServer({ settings: { maxConcurrentStreams } }, listener)
        : http2.createSecureServer({ ...policy.tls, settings: { ...policy.tls.settings, maxConcurrentStreams } }, listener);
    const handshakeTimeoutMs = policy.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.httpServer.on("session", (session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
      dropIfSilent(session, handshakeTimeoutMs);
      if (policy.keepalive !== undefined) {
        keepSessionAlive(session, policy.keepalive, () => true);
      }
    });
  }

  /** Listens on `host` (all interfaces when undefined) and `port` (0: a free one); resolves with the bound "host:port". */
  async listen(host: string | undefined, port: number): Promise<string> {
    const server = this.httpServer;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const bound = server.address() as AddressInfo;
    return formatAddress(host ?? bound.address, bound.port);
  }

  /**
   * Graceful part of a stop, once the streams ended: closes every session
   * with GOAWAY (what is queued goes out first) and waits for them to go,
   * a little, and not past `deadline` (a `Date.now()` time).
   */
  async drain(deadline: number): Promise<void> {
    const sessionsClosed = Promise.all([...this.sessions].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    const flushMs = Math.max(0, Math.min(SESSION_FLUSH_MS, deadline - Date.now()));
    await Promise.race([sessionsClosed, new Promise((resolve) => setTimeout(resolve, flushMs).unref())]);
  }

  /** Stops listening and destroys every session; resolves once the listener closed. */
  async close(): Promise<void> {
    const server = this.httpServer;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) {
      session.destroy();
    }
    await closed;
  }

  /** A Connect-protocol NodeStream, served by connect-node's handler: what it yields is what we send. */
  private async *acceptConnectStream(requests: AsyncIterable<Message>, ctx: HandlerContext): AsyncIterable<Message> {
    const { stream, replies } = connectServerStream(requests, ctx.signal);
    const refusal = await this.options.adopt({ stream, headers: ctx.requestHeader, peerAddress: ctx.values.get(kPeerAddress), wire: "stream" }, ctx.values.get(kPeerCertificate));
    if (refusal !== undefined) {
      throw refusal;
    }
    yield* replies;
  }

  /** A NodeStream served by our node:http2 stream. */
  private async acceptHttp2Stream(accepted: AcceptedNodeStream, peerCertificate: PeerCertificate | undefined): Promise<void> {
    const refusal = await this.options.adopt(accepted, peerCertificate);
    if (refusal !== undefined) {
      accepted.stream.close(refusal);
    }
  }
}

/**
 * The client certificate of a TLS connection whose handshake verified it
 * against the server's CA (`requestCert`); undefined for plain HTTP/2, no
 * certificate, or one not verified (`rejectUnauthorized: false`).
 */
function verifiedPeerCertificate(socket: unknown): PeerCertificate | undefined {
  try {
    const tls = socket as Partial<Pick<TLSSocket, "authorized" | "getPeerCertificate">> | undefined;
    if (tls?.authorized !== true || typeof tls.getPeerCertificate !== "function") {
      return undefined;
    }
    const cert = tls.getPeerCertificate();
    return cert?.raw !== undefined ? cert : undefined;
  } catch {
    // The session's socket is already gone.
    return undefined;
  }
}

/** Destroys `session` unless the client's HTTP/2 SETTINGS arrive within `ms` (0, negative or not finite: never). */
function dropIfSilent(session: http2.ServerHttp2Session, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) {
    return;
  }
  const timer = setTimeout(() => session.destroy(), Math.min(ms, MAX_TIMER_MS));
  timer.unref();
  const done = () => clearTimeout(timer);
  session.once("remoteSettings", done);
  session.once("close", done);
}
