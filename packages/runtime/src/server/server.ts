import { setMaxListeners } from "node:events";
import type * as http2 from "node:http2";
import type { PeerCertificate } from "node:tls";
import type { ConnectRouter } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { Configuration } from "../core/configuration.js";
import type { BidiStream } from "../wire/bidi-stream.js";
import { Channel, type RequestHandler } from "../wire/channel.js";
import { methodName } from "../wire/method-name.js";
import { toConnectError } from "../wire/errors.js";
import type { AcceptedNodeStream } from "../wire/grpc/node-stream-listener.js";
import type { KeepaliveOptions } from "../wire/keepalive-options.js";
import type { RequestServer, StreamPeer } from "../wire/request-server.js";
import type { Handler } from "./handler.js";
import { parseListenAddress } from "../wire/address.js";
import { Listener } from "./listener.js";
import { RequestDispatcher } from "./request-dispatcher.js";
import { RequestGate } from "./request-gate.js";
import type { ServerInterceptor } from "./server-interceptor.js";
import type { AcceptedPeer, StreamAcceptor } from "./stream-acceptor.js";
import { ClientPeers } from "./client-peers.js";
import { ADDR_HEADER, NODE_ID_HEADER } from "../core/identity-headers.js";

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

/**
 * Serves Gorums calls: one NodeStream per connected client or peer, its
 * requests dispatched one at a time in arrival order (see `ServerCtx.release`).
 */
export class Server implements RequestServer {
  private readonly handlers = new Map<string, Handler>();
  /** The channel of every open accepted stream, with its stream. */
  private readonly channels = new Map<Channel, BidiStream>();
  private readonly shutdown = new AbortController();
  private listener: Listener | undefined;
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
    if (this.listener !== undefined) {
      throw new Error("gorums: server is already listening");
    }
    const { host, port } = parseListenAddress(addr);
    const listener = new Listener(this.options, {
      shutdownSignal: this.shutdown.signal,
      adopt: (accepted, peerCertificate) => this.adopt(accepted, peerCertificate),
    });
    this.listener = listener;
    try {
      return await listener.listen(host, port);
    } catch (err) {
      if (this.listener === listener) {
        this.listener = undefined;
      }
      throw err;
    }
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
    await this.listener?.close();
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
    await this.listener?.drain(deadline);
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

  /**
   * Makes the channel that serves a new stream, once the server serves:
   * the acceptor (the InboundManager, else the client peers) says who the
   * peer is, this builds the stream's one Channel, the peer registers it
   * and the cleanup it returns runs when the stream ends. Returns the error
   * to end the stream with when it is refused (server stopped, identity
   * check failed). `peerCertificate` is the client's verified TLS
   * certificate, for the acceptor's peer authentication. A stream on the
   * Go Gorums v0.11.0 wire ("ordering") is served but never tracked: that
   * wire has no calls back, so it joins no configuration.
   */
  private async adopt({ stream, headers, peerAddress, wire }: AcceptedNodeStream, peerCertificate: PeerCertificate | undefined): Promise<ConnectError | undefined> {
    await this.serving;
    if (this.shutdown.signal.aborted) {
      return toConnectError(this.shutdown.signal.reason);
    }
    this.options.onConnect?.({ header: headers, peerAddress });
    // The Go Gorums v0.11.0 wire has no calls back: its client is judged without identity
    // headers (an external client, no client ID taken) and never tracked.
    const ordering = wire === "ordering";
    const judged = ordering ? withoutIdentity(headers) : headers;
    let peer: AcceptedPeer;
    try {
      peer = await (this.acceptor ?? this.clientPeers).acceptPeer({ headers: judged, peerAddress, ...(peerCertificate !== undefined ? { peerCertificate } : {}) });
    } catch (err) {
      return toConnectError(err);
    }
    if (ordering) {
      peer = { nodeID: peer.nodeID };
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

/** `headers` without Gorums' identity headers (`gorums-node-id`, `gorums-addr`). */
function withoutIdentity(headers: Headers): Headers {
  const out = new Headers(headers);
  out.delete(NODE_ID_HEADER);
  out.delete(ADDR_HEADER);
  return out;
}
