import * as http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { formatAddress } from "../address.js";
import type { BidiStream } from "../bidi-stream.js";
import type { GorumsWire } from "../gorums-wire.js";
import { encodeGrpcMessage } from "./trailer-status.js";
import { GRPC_CONTENT_TYPE } from "./content-type.js";
import { type NodeStreamWire, STREAM_WIRE, wireOfPath } from "./node-stream-wire.js";
import { headerValue, Http2ServerStream } from "./http2-server-stream.js";

/** A NodeStream a client opened, served on node:http2. */
export interface AcceptedNodeStream {
  readonly stream: BidiStream;
  /** The request headers (pseudo-headers left out). */
  readonly headers: Headers;
  /** The client's socket address, "host:port" (IPv6 in brackets). */
  readonly peerAddress: string;
  /** The Go Gorums wire the client speaks (by the path it called). */
  readonly wire: GorumsWire;
}

/** How NodeStreams are served. */
export interface NodeStreamServeOptions {
  /** Largest message accepted from a client, in bytes (default 4 MiB). */
  readonly readMaxBytes?: number;
}

/**
 * Serves one HTTP/2 stream as a NodeStream of `wire` (by default the current
 * one: gRPC, `application/grpc` or `application/grpc+proto`) — for a
 * server's 'stream' event, or with the compat `res` of the same stream from
 * a request listener. A request this cannot serve is answered here and
 * `undefined` returned: a content type other than the wire's gets HTTP 415
 * with grpc-status InvalidArgument (as grpc-go answers), a compressed
 * request (`grpc-encoding` other than identity) grpc-status Unimplemented.
 */
export function serveNodeStream(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  options: NodeStreamServeOptions = {},
  res?: http2.Http2ServerResponse,
  wire: NodeStreamWire = STREAM_WIRE,
): AcceptedNodeStream | undefined {
  const contentType = headerValue(headers["content-type"]);
  if (!wire.accepts(contentType)) {
    refuse(stream, 415, Code.InvalidArgument, `invalid gRPC request content-type ${JSON.stringify(contentType ?? "")}`);
    return undefined;
  }
  const encoding = headerValue(headers["grpc-encoding"]);
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
    refuse(stream, 200, Code.Unimplemented, `grpc: Decompressor is not installed for grpc-encoding "${encoding}"`, { "grpc-accept-encoding": "identity" });
    return undefined;
  }
  const socket = stream.session?.socket;
  const serverStream = new Http2ServerStream(stream, headers, options.readMaxBytes, res, wire);
  return {
    stream: serverStream,
    headers: serverStream.peerHeaders,
    peerAddress: formatAddress(socket?.remoteAddress ?? "", socket?.remotePort ?? 0),
    wire: wire.name,
  };
}

/**
 * A request listener for `http2.createServer` / `createSecureServer` that
 * serves gRPC NodeStream requests itself and hands `onStream` each one:
 * POST /stream.Gorums/NodeStream with a gRPC-proto content type (the
 * current wire), and POST /ordering.Gorums/NodeStream with
 * `application/grpc+gorums` (the Go Gorums v0.11.0 release's). It passes
 * every other request — ordinary Connect services, and NodeStreams in the
 * Connect or gRPC-web protocol — to `fallback` (a `connectNodeAdapter`).
 */
export function nodeStreamRequestListener(
  onStream: (accepted: AcceptedNodeStream) => void,
  fallback: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  options: NodeStreamServeOptions = {},
): (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void {
  return (req, res) => {
    const headers = req.headers;
    const wire = wireOfPath(headers[":path"]);
    if (wire !== undefined && headers[":method"] === "POST" && (wire.ownsPath || wire.accepts(headerValue(headers["content-type"])))) {
      const accepted = serveNodeStream(req.stream, headers, options, res, wire);
      if (accepted !== undefined) {
        onStream(accepted);
      }
      return;
    }
    fallback(req, res);
  };
}

function refuse(stream: http2.ServerHttp2Stream, httpStatus: number, code: Code, message: string, extra: http2.OutgoingHttpHeaders = {}): void {
  if (stream.destroyed || stream.headersSent) {
    return;
  }
  stream.respond(
    {
      ":status": httpStatus,
      "content-type": GRPC_CONTENT_TYPE,
      "grpc-status": String(code),
      "grpc-message": encodeGrpcMessage(message),
      ...extra,
    },
    { endStream: true },
  );
  // Do not read a request we refused (grpc-go resets it when it has a body).
  // From a setImmediate, after node:http2 has written the response: a reset
  // submitted in the same tick as respond() overtakes the HEADERS on Node 22
  // and 26 (the client then sees a bare RST_STREAM, no status at all).
  setImmediate(() => {
    if (!stream.readableEnded && !stream.closed) {
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
    }
  });
}
