import type * as http2 from "node:http2";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Gorums, type Message } from "../../gen/stream_pb.js";
import type { BidiStream } from "../bidi-stream.js";
import { AsyncQueue } from "../async-queue.js";
import type { StreamDialer } from "../channel.js";
import { connectTimeoutError, DEFAULT_CONNECT_TIMEOUT_MS } from "../connect-timeout.js";
import { streamDownError, toConnectError } from "../errors.js";
import type { DialerOptions } from "../dialer-options.js";
import { DEFAULT_KEEPALIVE_TIMEOUT_MS, type KeepaliveOptions } from "../keepalive-options.js";

/** How to reach one node with connect-node. */
export type ConnectDialerOptions = DialerOptions;

/**
 * A dialer that opens NodeStreams in the Connect protocol (binary, over
 * HTTP/2) as connect-node client calls over one HTTP/2 session per node:
 * `ManagerOptions.protocol: "connect"`. (The gRPC protocol is always our own
 * stream, http2-stream-dialer.ts.) The long-lived stream has no deadline.
 */
export function connectStreamDialer(options: ConnectDialerOptions): StreamDialer {
  const baseUrl = `${options.tls === undefined ? "http" : "https"}://${options.address}`;
  const ping =
    options.keepalive === undefined
      ? {}
      : { pingIntervalMs: Math.max(10, options.keepalive.intervalMs), pingTimeoutMs: options.keepalive.timeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS };
  let session: http2.ClientHttp2Session | undefined;
  const sessionManager = guardSessions(new Http2SessionManager(baseUrl, { idleConnectionTimeoutMs: IDLE_SESSION_MS, ...ping }, options.tls ?? {}), (ready) => {
    session = ready;
  });
  const common = { baseUrl, sessionManager, ...(options.readMaxBytes !== undefined ? { readMaxBytes: options.readMaxBytes } : {}) };
  const transport = createConnectTransport({ ...common, httpVersion: "2", useBinaryFormat: true });
  let closed = false;
  return {
    async dial() {
      if (closed) {
        throw streamDownError();
      }
      // connect-node has no connect timeout of its own: abort the attempt (the manager dials afresh next time).
      const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      const timer = setTimeout(() => sessionManager.abort(connectTimeoutError(options.address, timeoutMs)), timeoutMs);
      let state: Awaited<ReturnType<typeof sessionManager.connect>>;
      try {
        state = await sessionManager.connect();
      } finally {
        clearTimeout(timer);
      }
      if (state === "error") {
        // Whatever kept us from connecting (refused, TLS failure), the node is unavailable.
        const cause = sessionManager.error();
        throw new ConnectError(`connection error: ${toConnectError(cause).rawMessage}`, Code.Unavailable, undefined, undefined, cause);
      }
      // connect-node refs the session while a stream is open; the NodeStream
      // always is, so the channel's setRef decides instead (as on our http2 stream).
      const owner = session;
      return openClientStream(transport, options.headers, (ref) => {
        if (owner !== undefined && !owner.destroyed) {
          if (ref) {
            owner.ref();
          } else {
            owner.unref();
          }
        }
      });
    },
    close() {
      closed = true;
      sessionManager.abort();
    },
  };
}

/**
 * How long connect-node keeps a session without streams. Its default (15
 * minutes) is re-armed after `close()` by the stream's own close event and
 * keeps a closed dialer's session alive that long; the NodeStream itself is
 * never idle while open.
 */
const IDLE_SESSION_MS = 1000;

interface ManagerState {
  readonly t: string;
  /** A promise while "connecting", the session once "ready". */
  readonly conn?: Promise<http2.ClientHttp2Session> | http2.ClientHttp2Session;
}

/**
 * Gives every HTTP/2 session of the manager a lasting 'error' listener.
 * connect-node 2.2 detaches its own listeners from a session that it is
 * destroying after a GOAWAY when the manager is aborted at that moment; the
 * session's error event then has no listener and would crash the process.
 * The manager still sees every error through its own listeners. Tells
 * `onReady` each session that becomes ready.
 */
function guardSessions(manager: Http2SessionManager, onReady: (session: http2.ClientHttp2Session) => void): Http2SessionManager {
  const internal = manager as unknown as { setState(state: ManagerState): void };
  const setState = internal.setState.bind(manager);
  internal.setState = (state) => {
    if (state.t === "connecting" && state.conn instanceof Promise) {
      state.conn.then((session) => session.on("error", () => {})).catch(() => {});
    } else if (state.t === "ready" && state.conn !== undefined && !(state.conn instanceof Promise)) {
      onReady(state.conn);
    }
    setState(state);
  };
  return manager;
}

function openClientStream(transport: Transport, headers: Headers, hold: (ref: boolean) => void): BidiStream {
  const outgoing = new AsyncQueue<Message>();
  const abort = new AbortController();
  let closed = false;
  const response = transport.stream(Gorums.method.nodeStream, abort.signal, undefined, headers, outgoing);
  // A stream that fails before anyone reads it must not be an unhandled rejection.
  response.catch(() => {});
  return {
    send(msg) {
      return outgoing.push(msg);
    },
    async *receive() {
      try {
        const res = await response;
        for await (const msg of res.message) {
          yield msg;
        }
      } catch (err) {
        throw closed ? err : streamError(err);
      }
    },
    setRef(ref) {
      if (!closed) {
        hold(ref);
      }
    },
    close(reason) {
      closed = true;
      outgoing.close(reason ?? streamDownError());
      abort.abort(reason ?? streamDownError());
    },
  };
}

/**
 * A stream failure we did not cause: a reset or cancel from the other side
 * or the connection means the node is unavailable; a status the server sent
 * (PermissionDenied, …) is kept.
 */
function streamError(err: unknown): ConnectError {
  const e = toConnectError(err);
  if (e.code === Code.Canceled || e.code === Code.Aborted) {
    return new ConnectError(`stream closed: ${e.rawMessage}`, Code.Unavailable, e.metadata, undefined, e);
  }
  return e;
}
