import * as http2 from "node:http2";
import type { Socket } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import type { BidiStream } from "../bidi-stream.js";
import type { StreamDialer } from "../channel.js";
import { connectTimeoutError, DEFAULT_CONNECT_TIMEOUT_MS, dialSocket } from "../connect-timeout.js";
import { streamDownError } from "../errors.js";
import { type NodeStreamWire, wireNamed } from "./node-stream-wire.js";
import { Http2ClientStream } from "./http2-client-stream.js";
import { connectErrorFromNodeError } from "./http2-errors.js";
import type { DialerOptions } from "../dialer-options.js";
import { keepSessionAlive } from "./keepalive.js";

/** How to reach one node over node:http2. */
export type Http2DialerOptions = DialerOptions;

/** Headers that the transport sets itself; the same names in `headers` are ignored. */
const RESERVED = new Set(["content-type", "te", "grpc-timeout", "content-length", "connection", "host", "transfer-encoding"]);

/** How long a closed dialer lets its session finish gracefully before tearing it down. */
const CLOSE_GRACE_MS = 1000;

/**
 * A dialer that opens NodeStreams as gRPC calls (POST
 * /stream.Gorums/NodeStream, `content-type: application/grpc`,
 * `te: trailers`, no grpc-timeout; on the "ordering" wire POST
 * /ordering.Gorums/NodeStream, `application/grpc+gorums`) on one
 * node:http2 session per node. The
 * session is reused by later dials while it is alive and made anew after a
 * GOAWAY, an error or a close. A dial resolves once the session is
 * connected (the request headers go out at once) and rejects with
 * Unavailable when the node cannot be reached. As in grpc-go, a connection
 * is made once the node's first SETTINGS frame arrives: one that takes
 * longer than `connectTimeoutMs` is torn down with Unavailable (before the
 * session connected, the dial rejects; after, its streams fail). The session keeps the
 * process alive only while one of its streams holds it (`setRef(true)`,
 * the state a stream opens in), as undici's idle sockets do not.
 */
export function http2StreamDialer(options: Http2DialerOptions): StreamDialer {
  const authority = `${options.tls === undefined ? "http" : "https"}://${options.address}`;
  const wire = wireNamed(options.wire);
  const requestHeaders = outgoingHeaders(options.headers, wire);
  let session: http2.ClientHttp2Session | undefined;
  let connected: Promise<http2.ClientHttp2Session> | undefined;
  /** Open streams per session. */
  const open = new WeakMap<http2.ClientHttp2Session, number>();
  /** Streams per session that hold it (their channel has calls out): a session is ref'd while it has one. */
  const held = new WeakMap<http2.ClientHttp2Session, number>();
  let closed = false;

  function newSession(): Promise<http2.ClientHttp2Session> {
    let socket: Socket | undefined;
    const s = http2.connect(authority, {
      ...options.tls,
      createConnection: () => (socket = dialSocket(options.address, options.tls)),
    });
    session = s;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const connectTimer = setTimeout(() => {
      const err = connectTimeoutError(options.address, timeoutMs, s.connecting ? "connection" : "HTTP/2 SETTINGS from the node");
      s.destroy(err);
      socket?.destroy(err);
    }, timeoutMs);
    connectTimer.unref();
    const made = () => clearTimeout(connectTimer);
    s.once("remoteSettings", made);
    s.once("close", made);
    const forget = () => {
      if (session === s) {
        session = undefined;
        connected = undefined;
      }
    };
    s.on("goaway", forget);
    s.on("close", forget);
    const ready = new Promise<http2.ClientHttp2Session>((resolve, reject) => {
      const onError = (err: Error) => {
        forget();
        // Like gRPC: whatever keeps a connection from being made (refused,
        // unreachable, TLS handshake) is Unavailable.
        const ce = connectErrorFromNodeError(err);
        reject(ce.code === Code.Unavailable ? ce : new ConnectError(`cannot connect to ${options.address}: ${ce.rawMessage}`, Code.Unavailable, undefined, undefined, err));
      };
      s.once("connect", () => {
        s.off("error", onError);
        // Later errors end the session; its streams report them.
        s.on("error", forget);
        if ((held.get(s) ?? 0) === 0) {
          s.unref();
        }
        if (options.keepalive !== undefined) {
          keepSessionAlive(s, options.keepalive, () => (open.get(s) ?? 0) > 0);
        }
        resolve(s);
      });
      s.once("error", onError);
      s.once("close", () => reject(new ConnectError(`connection to ${options.address} closed`, Code.Unavailable)));
    });
    connected = ready;
    return ready;
  }

  function usable(s: http2.ClientHttp2Session | undefined): s is http2.ClientHttp2Session {
    return s !== undefined && !s.closed && !s.destroyed;
  }

  return {
    async dial(): Promise<BidiStream> {
      if (closed) {
        throw streamDownError();
      }
      let s = await (usable(session) && connected !== undefined ? connected : newSession());
      if (closed) {
        throw streamDownError();
      }
      if (!usable(s)) {
        // It went away between connecting and now (GOAWAY): one fresh attempt.
        s = await newSession();
      }
      let req: http2.ClientHttp2Stream;
      const abort = new AbortController();
      try {
        req = s.request(requestHeaders, { endStream: false, signal: abort.signal });
      } catch (err) {
        throw connectErrorFromNodeError(err);
      }
      const owner = s;
      // The stream keeps the process alive while its channel has calls out (see BidiStream.setRef).
      let holding = false;
      let ended = false;
      const hold = (on: boolean) => {
        if (on === holding || (on && ended)) {
          return;
        }
        holding = on;
        const n = (held.get(owner) ?? 0) + (on ? 1 : -1);
        held.set(owner, n);
        if (owner.destroyed) {
          return;
        }
        if (on && n === 1) {
          owner.ref();
        } else if (!on && n === 0) {
          owner.unref();
        }
      };
      open.set(owner, (open.get(owner) ?? 0) + 1);
      hold(true);
      const onClosed = () => {
        if (!ended) {
          ended = true;
          open.set(owner, (open.get(owner) ?? 1) - 1);
          hold(false);
        }
      };
      return new Http2ClientStream(req, () => abort.abort(), options.readMaxBytes, onClosed, hold, wire);
    },
    close(): void {
      if (closed) {
        return;
      }
      closed = true;
      const s = session;
      session = undefined;
      connected = undefined;
      if (s === undefined || s.destroyed) {
        return;
      }
      if (!s.connecting && (open.get(s) ?? 0) > 0) {
        // Let half-closed streams finish (the server ends them on our END_STREAM), then tear down.
        s.close();
        setTimeout(() => s.destroy(), CLOSE_GRACE_MS).unref();
      } else {
        s.destroy();
      }
    },
  };
}

/** The request headers of a NodeStream on `wire`: pseudo-headers, gRPC headers, then the caller's. */
function outgoingHeaders(headers: Headers, wire: NodeStreamWire): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": wire.path,
    "content-type": wire.contentType,
    te: "trailers",
    "user-agent": "grpc-gorums-ts/0.1",
  };
  headers.forEach((value, key) => {
    if (!RESERVED.has(key)) {
      out[key] = value;
    }
  });
  return out;
}
