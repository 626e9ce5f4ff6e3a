import { setMaxListeners } from "node:events";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { type ConnectRouter, createContextKey, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Code, ConnectError } from "@connectrpc/connect";
import { Configuration } from "../core/configuration.js";
import { Gorums, type Message } from "../gen/stream_pb.js";
import type { BidiStream } from "../wire/bidi-stream.js";
import { Channel, type RequestHandler } from "../wire/channel.js";
import { connectServerStream } from "../wire/connect/connect-server-stream.js";
import { methodName } from "../wire/method-name.js";
import { toConnectError } from "../wire/errors.js";
import { type AcceptedNodeStream, nodeStreamRequestListener } from "../wire/grpc/node-stream-listener.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../wire/grpc/grpc-frame.js";
import { type KeepaliveOptions } from "../wire/keepalive-options.js";
import { keepSessionAlive } from "../wire/grpc/keepalive.js";
import type { RequestServer, StreamPeer } from "../wire/request-server.js";
import type { Handler } from "./handler.js";
import { formatAddress, parseListenAddress } from "../wire/address.js";
import { RequestDispatcher } from "./request-dispatcher.js";
import { RequestGate } from "./request-gate.js";
import type { ServerInterceptor } from "./server-interceptor.js";
import type { AcceptedPeer, StreamAcceptor } from "./stream-acceptor.js";
import { ClientPeers } from "./client-peers.js";

/** TLS options for serving: Node's secure HTTP/2 server options (key, cert, ca, requestCert, …). */
export type SecureServerOptions = http2.SecureServerOptions;

/** How a Server serves. */
export interface ServerOptions {
  /** Wrap every request; the first is the outermost. */
  interceptors?: ServerInterceptor[];
  /** Told of every NodeStream that opens, with its headers and the peer's socket address. */
  onConnect?: (info: { header: Headers; peerAddress: string }) => void;
  /** Serve over TLS. */
  tls?: SecureServerOptions;
  /** Co-host ordinary Connect services on the same port. */
  routes?: (router: ConnectRouter) => void;
  /**
   * Track known peers and client peers (symmetric configurations): an
   * InboundManager. Without one, every stream is served as an untracked
   * external client (node ID 0).
   */
  inboundManager?: StreamAcceptor;
  /** Largest request accepted, in bytes; larger ones fail the stream with ResourceExhausted. Default 4 MiB, as gRPC. */
  maxMessageBytes?: number;
  /**
   * Most streams one connection may have open at once (HTTP/2
   * SETTINGS_MAX_CONCURRENT_STREAMS), default 1000. A Gorums client needs
   * one per connection; co-hosted Connect routes use one per call. A
   * well-behaved HTTP/2 client queues streams beyond the limit; a peer that
   * opens more anyway has them refused with RST_STREAM REFUSED_STREAM (its
   * calls fail with Unavailable), and loses the connection (GOAWAY) once it
   * has acknowledged the setting or keeps opening refused streams.
   */
  maxStreamsPerConnection?: number;
  /**
   * How long a new connection may take to start HTTP/2 (send its
   * connection preface and SETTINGS) before it is dropped, in ms; default
   * 120,000, grpc-go's connection timeout. 0 or Infinity: never. (With TLS,
   * Node's TLS handshake timeout, also 120 s, comes first.) Keeps
   * connections that never speak from holding sockets.
   */
  handshakeTimeoutMs?: number;
  /**
   * HTTP/2 keepalive from the server's side (gRPC's server keepalive): PING
   * every connection every `intervalMs` and drop one whose PING is not
   * answered within `timeoutMs` (default 20 s). Its streams then end, so a
   * client peer or peer that stopped answering leaves `clientConfig()` /
   * `inboundConfig()` and calls to it fail over instead of waiting for
   * deadlines. Off by default.
   */
  keepalive?: KeepaliveOptions;
  /** @private Hold streams until `serve()` (a System's servers). */
  deferServing?: boolean;
}

const kPeerAddress = createContextKey<string>("");
const kPeerCertificate = createContextKey<PeerCertificate | undefined>(undefined);

/** Default of `ServerOptions.maxStreamsPerConnection`. */
export const DEFAULT_MAX_STREAMS_PER_CONNECTION = 1000;

/** Default of `ServerOptions.handshakeTimeoutMs`. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;

/** How long a graceful stop waits for sessions to close after ending their streams. */
const SESSION_FLUSH_MS = 500;

/**
 * Serves Gorums calls: one NodeStream per connected client or peer, its
 * requests dispatched one at a time in arrival order (see `ServerCtx.release`).
 */
export class Server implements RequestServer {
  private readonly handlers = new Map<string, Handler>();
  /** The channel of every open accepted stream, with its stream. */
  private readonly channels = new Map<Channel, BidiStream>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly shutdown = new AbortController();
  private httpServer: http2.Http2Server | http2.Http2SecureServer | undefined;
  private readonly emptyConfig = new Configuration([], undefined);
  private readonly gate = new RequestGate();
  private readonly serving: Promise<void>;
  private startServing: () => void = () => {};
  private acceptor: StreamAcceptor | undefined;
  /** Client peers, tracked without an InboundManager. */
  private readonly clientPeers = new ClientPeers();

  constructor(private readonly options: ServerOptions = {}) {
    // Every open connect-node call links its signal to the shutdown signal:
    // more than 10 are normal, not a listener leak (no MaxListenersExceededWarning).
    setMaxListeners(0, this.shutdown.signal);
    this.serving = options.deferServing === true ? new Promise((resolve) => (this.startServing = resolve)) : Promise.resolve();
    if (options.inboundManager !== undefined) {
      this.useInboundManager(options.inboundManager);
    }
  }

  /** @private Tracks peers with this InboundManager (a System sets it after `listen`, before `serve`). */
  useInboundManager(inboundManager: StreamAcceptor): void {
    this.acceptor = inboundManager;
    inboundManager.serveSelf(this);
  }

  /** @private Starts dispatching the streams held since `listen` (with `deferServing`). */
  serve(): void {
    this.startServing();
  }

  /**
   * Registers the handler of a method: under the wire name of the method it
   * carries ("pkg.Service.Method"; generated register functions call this),
   * or under the full name given.
   */
  registerHandler(handler: Handler): void;
  registerHandler(method: string, handler: Handler): void;
  registerHandler(methodOrHandler: string | Handler, handler?: Handler): void {
    if (typeof methodOrHandler === "string") {
      if (handler === undefined) {
        throw new TypeError(`gorums: no handler given for ${methodOrHandler}`);
      }
      this.handlers.set(methodOrHandler, handler);
    } else {
      this.handlers.set(methodName(methodOrHandler.method), methodOrHandler);
    }
  }

  /**
   * Listens on "host:port" (port 0 picks a free port). Resolves with the
   * bound "host:port". Rejects when already listening, and after `stop()`:
   * a stopped Server stays stopped (as in Go). A listen that failed (say, the
   * port is busy) leaves the Server as it was, so it may listen again.
   */
  async listen(addr: string): Promise<string> {
    if (this.shutdown.signal.aborted) {
      throw new Error("gorums: server is stopped");
    }
    if (this.httpServer !== undefined) {
      throw new Error("gorums: server is already listening");
    }
    const { host, port } = parseListenAddress(addr);
    const adapter = connectNodeAdapter({
      routes: (router) => {
        router.service(Gorums, { nodeStream: (requests, ctx) => this.acceptStream(requests, ctx) });
        this.options.routes?.(router);
      },
      contextValues: (req) =>
        createContextValues()
          .set(kPeerAddress, formatAddress(req.socket.remoteAddress ?? "", req.socket.remotePort ?? 0))
          .set(kPeerCertificate, verifiedPeerCertificate(req.socket)),
      shutdownSignal: this.shutdown.signal,
      readMaxBytes: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
    const readMaxBytes = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    // The NodeStream listener is made per request so that the stream it
    // accepts (synchronously) is adopted with its connection's certificate.
    // gRPC NodeStreams are served by our node:http2 stream; everything else
    // (Connect-protocol NodeStreams, co-hosted routes) by connect-node.
    const listener = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void =>
      nodeStreamRequestListener((accepted) => void this.acceptHttp2Stream(accepted, verifiedPeerCertificate(req.socket)), adapter, { readMaxBytes })(req, res);
    const maxConcurrentStreams = this.options.maxStreamsPerConnection ?? DEFAULT_MAX_STREAMS_PER_CONNECTION;
    const server =
      this.options.tls === undefined
        ? http2.createServer({ settings: { maxConcurrentStreams } }, listener)
        : http2.createSecureServer({ ...this.options.tls, settings: { ...this.options.tls.settings, maxConcurrentStreams } }, listener);
    const handshakeTimeoutMs = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    server.on("session", (session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
      dropIfSilent(session, handshakeTimeoutMs);
      if (this.options.keepalive !== undefined) {
        keepSessionAlive(session, this.options.keepalive, () => true);
      }
    });
    this.httpServer = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      if (this.httpServer === server) {
        this.httpServer = undefined;
      }
      throw err;
    }
    const bound = server.address() as AddressInfo;
    return formatAddress(host ?? bound.address, bound.port);
  }

  /**
   * Stops serving: ends every stream and closes the listener. Callers with
   * calls in flight get errors (their streams fail). With `graceMs`, first
   * lets the requests in flight finish (for at most that long) while new
   * requests are refused with Unavailable "server is stopping". Idempotent.
   */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    if (opts.graceMs !== undefined && opts.graceMs > 0 && !this.shutdown.signal.aborted) {
      await this.drain(opts.graceMs);
    }
    this.shutdown.abort(new ConnectError("server stopped", Code.Unavailable));
    this.acceptor?.stop();
    this.startServing();
    for (const channel of this.channels.keys()) {
      channel.close();
    }
    this.channels.clear();
    const server = this.httpServer;
    if (server === undefined) {
      return;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) {
      session.destroy();
    }
    await closed;
  }

  /**
   * Graceful part of stop: lets admitted requests finish, then ends every
   * stream cleanly (replies already queued go out first) and closes the
   * sessions with GOAWAY, waiting a little for them to go.
   */
  private async drain(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    await this.gate.drain(graceMs);
    for (const stream of this.channels.values()) {
      stream.close();
    }
    const sessionsClosed = Promise.all([...this.sessions].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    const flushMs = Math.max(0, Math.min(SESSION_FLUSH_MS, deadline - Date.now()));
    await Promise.race([sessionsClosed, new Promise((resolve) => setTimeout(resolve, flushMs).unref())]);
  }

  /** The known peers connected to this server, self included (empty without an InboundManager). */
  config(): Configuration {
    return this.acceptor?.inboundConfig() ?? this.emptyConfig;
  }

  /**
   * The client peers connected to this server: clients that dialed with
   * `ManagerOptions.server` (`gorums-node-id: 0`), callable back.
   */
  clientConfig(): Configuration {
    return this.acceptor?.clientConfig() ?? this.clientPeers.config();
  }

  /** @private `signal` (default: the server's shutdown) aborts the handlers' `ctx.signal`. */
  requestHandlerFor(peer: StreamPeer, signal: AbortSignal = this.shutdown.signal): RequestHandler {
    const dispatcher = new RequestDispatcher(
      { handler: (m) => this.handlers.get(m), interceptors: this.options.interceptors ?? [], gate: this.gate },
      {
        signal,
        headers: peer.headers,
        peer: { address: peer.address, nodeID: peer.nodeID },
        config: () => this.config(),
        clientConfig: () => this.clientConfig(),
      },
    );
    return (request, reply) => dispatcher.enqueue(request, reply);
  }

  /** A Connect-protocol NodeStream, served by connect-node's handler: what it yields is what we send. */
  private async *acceptStream(requests: AsyncIterable<Message>, ctx: HandlerContext): AsyncIterable<Message> {
    const { stream, replies } = connectServerStream(requests, ctx.signal);
    const refusal = await this.adopt({ stream, headers: ctx.requestHeader, peerAddress: ctx.values.get(kPeerAddress) }, ctx.values.get(kPeerCertificate));
    if (refusal !== undefined) {
      throw refusal;
    }
    yield* replies;
  }

  /** A NodeStream served by our node:http2 stream. */
  private async acceptHttp2Stream(accepted: AcceptedNodeStream, peerCertificate: PeerCertificate | undefined): Promise<void> {
    const refusal = await this.adopt(accepted, peerCertificate);
    if (refusal !== undefined) {
      accepted.stream.close(refusal);
    }
  }

  /**
   * Makes the channel that serves a new stream, once the server serves:
   * the acceptor (the InboundManager, else the client peers) says who the
   * peer is, this builds the stream's one Channel, the peer registers it
   * and the cleanup it returns runs when the stream ends. Returns the error
   * to end the stream with when it is refused (server stopped, identity
   * check failed). `peerCertificate` is the client's verified TLS
   * certificate, for the acceptor's peer authentication.
   */
  private async adopt({ stream, headers, peerAddress }: AcceptedNodeStream, peerCertificate?: PeerCertificate): Promise<ConnectError | undefined> {
    await this.serving;
    if (this.shutdown.signal.aborted) {
      return toConnectError(this.shutdown.signal.reason);
    }
    this.options.onConnect?.({ header: headers, peerAddress });
    let peer: AcceptedPeer;
    try {
      peer = await (this.acceptor ?? this.clientPeers).acceptPeer({ headers, peerAddress, ...(peerCertificate !== undefined ? { peerCertificate } : {}) });
    } catch (err) {
      return toConnectError(err);
    }
    const streamEnded = new AbortController();
    const forget = (c: Channel) => {
      this.channels.delete(c);
      streamEnded.abort(new ConnectError("stream ended", Code.Canceled));
    };
    let cleanup = () => {};
    const channel = new Channel({
      nodeID: peer.nodeID,
      stream,
      onRequest: this.requestHandlerFor({ nodeID: peer.nodeID, address: peerAddress, headers }, AbortSignal.any([this.shutdown.signal, streamEnded.signal])),
      onStreamDown: (c) => {
        forget(c);
        cleanup();
      },
    });
    cleanup =
      peer.register?.(channel, () => {
        stream.close();
        forget(channel);
      }) ?? cleanup;
    this.channels.set(channel, stream);
    stream.open?.();
    return undefined;
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

/** Longest delay setTimeout takes (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 0x7fffffff;

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
