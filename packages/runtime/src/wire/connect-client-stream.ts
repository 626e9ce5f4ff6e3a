import type * as http2 from "node:http2";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Gorums, type Message } from "../gen/stream_pb.js";
import type { BidiStream } from "./bidi-stream.js";
import { AsyncQueue } from "./async-queue.js";
import type { StreamDialer } from "./channel.js";
import { ErrStreamDown, toConnectError } from "./errors.js";

/** How to reach one node with connect-node. */
export interface ConnectDialerOptions {
  /** "host:port" of the node. */
  readonly address: string;
  /** Headers sent when a stream opens (metadata, identity). */
  readonly headers: Headers;
  /** TLS client options; plain HTTP/2 when absent. */
  readonly tls?: http2.SecureClientSessionOptions;
  /** Wire protocol: gRPC (default, what Go Gorums speaks) or Connect, both over HTTP/2. */
  readonly protocol?: "grpc" | "connect";
  /** Largest message accepted from the node, in bytes. */
  readonly readMaxBytes?: number;
}

/**
 * A dialer that opens NodeStreams as connect-node client calls over one
 * HTTP/2 session per node. The long-lived stream has no deadline.
 */
export function connectStreamDialer(options: ConnectDialerOptions): StreamDialer {
  const baseUrl = `${options.tls === undefined ? "http" : "https"}://${options.address}`;
  const sessionManager = new Http2SessionManager(baseUrl, {}, options.tls ?? {});
  const common = { baseUrl, sessionManager, ...(options.readMaxBytes !== undefined ? { readMaxBytes: options.readMaxBytes } : {}) };
  const transport =
    options.protocol === "connect"
      ? createConnectTransport({ ...common, httpVersion: "2", useBinaryFormat: true })
      : createGrpcTransport(common);
  let closed = false;
  return {
    async dial() {
      if (closed) {
        throw ErrStreamDown;
      }
      const state = await sessionManager.connect();
      if (state === "error") {
        throw toConnectError(sessionManager.error());
      }
      return openClientStream(transport, options.headers);
    },
    close() {
      closed = true;
      sessionManager.abort();
    },
  };
}

function openClientStream(transport: Transport, headers: Headers): BidiStream {
  const outgoing = new AsyncQueue<Message>();
  const abort = new AbortController();
  const response = transport.stream(Gorums.method.nodeStream, abort.signal, undefined, headers, outgoing);
  // A stream that fails before anyone reads it must not be an unhandled rejection.
  response.catch(() => {});
  return {
    send(msg) {
      return outgoing.push(msg);
    },
    async *receive() {
      const res = await response;
      for await (const msg of res.message) {
        yield msg;
      }
    },
    close(reason) {
      outgoing.close(reason ?? ErrStreamDown);
      abort.abort(reason ?? ErrStreamDown);
    },
  };
}
