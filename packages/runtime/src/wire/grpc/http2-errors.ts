import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

const C = http2.constants;

/**
 * The ConnectError for a stream reset by the peer with `rstCode`, mapped as
 * connect-node and gRPC's PROTOCOL-HTTP2 do; undefined for NO_ERROR and
 * STREAM_CLOSED (which carry no error of their own).
 */
export function connectErrorFromRstCode(rstCode: number | undefined): ConnectError | undefined {
  if (rstCode === undefined) {
    return undefined;
  }
  const message = `http/2 stream closed with error code ${rstCodeName(rstCode)} (0x${rstCode.toString(16)})`;
  switch (rstCode) {
    case C.NGHTTP2_NO_ERROR:
    case C.NGHTTP2_STREAM_CLOSED:
      return undefined;
    case C.NGHTTP2_REFUSED_STREAM:
      return new ConnectError(message, Code.Unavailable);
    case C.NGHTTP2_CANCEL:
      return new ConnectError(message, Code.Canceled);
    case C.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(message, Code.ResourceExhausted);
    case C.NGHTTP2_INADEQUATE_SECURITY:
    case C.NGHTTP2_HTTP_1_1_REQUIRED:
      return new ConnectError(message, Code.PermissionDenied);
    default:
      return new ConnectError(message, Code.Internal);
  }
}

const RST_CODE_NAMES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];

function rstCodeName(code: number): string {
  return RST_CODE_NAMES[code] ?? String(code);
}

/** Node error codes that mean the connection (not the call) went away. */
const CONNECTION_LOST = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_SOCKET_UNBOUND",
  "ERR_HTTP2_ERROR",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_DESTROYED",
  "ERR_HTTP2_INVALID_STREAM",
]);

/**
 * Turns an error emitted by node:http2 (stream, session or socket) into a
 * ConnectError: a lost connection is Unavailable, an RST_STREAM error is
 * mapped by its code, anything else is Internal. A ConnectError passes as is.
 */
export function connectErrorFromNodeError(err: unknown): ConnectError {
  if (err instanceof ConnectError) {
    return err;
  }
  let code: Code = Code.Internal;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const nodeCode = (e as { code?: unknown }).code;
    if (typeof nodeCode === "string" && CONNECTION_LOST.has(nodeCode)) {
      code = Code.Unavailable;
      break;
    }
  }
  const ce = ConnectError.from(err, code);
  if (ce !== err) {
    ce.cause = err;
  }
  return ce;
}
