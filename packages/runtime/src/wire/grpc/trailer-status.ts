import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Percent-encodes a grpc-message value as the gRPC spec asks: bytes of the
 * UTF-8 encoding outside printable ASCII, and "%", become %XX.
 */
export function encodeGrpcMessage(message: string): string {
  // Fast path: printable ASCII without "%".
  if (/^[\x20-\x24\x26-\x7e]*$/.test(message)) {
    return message;
  }
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decodes a percent-encoded grpc-message; a malformed encoding is kept as sent (as gRPC asks). */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) {
    return value;
  }
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The trailers (or trailers-only headers) that end a call with `err`, or OK without one. */
export function grpcStatusTrailers(err: ConnectError | undefined): http2.OutgoingHttpHeaders {
  if (err === undefined) {
    return { "grpc-status": "0" };
  }
  return { "grpc-status": String(err.code), "grpc-message": encodeGrpcMessage(err.rawMessage) };
}

/**
 * Reads grpc-status / grpc-message from trailers or from the headers of a
 * trailers-only response. Returns `undefined` when there is no status,
 * `null` for OK, and the ConnectError otherwise (an unknown code is Internal).
 */
export function statusFromMetadata(md: http2.IncomingHttpHeaders): ConnectError | null | undefined {
  const raw = md["grpc-status"];
  const status = Array.isArray(raw) ? raw[0] : raw;
  if (status === undefined) {
    return undefined;
  }
  if (status === "0") {
    return null;
  }
  const code = /^\d+$/.test(status) ? Number(status) : NaN;
  const message = md["grpc-message"];
  const text = typeof message === "string" ? decodeGrpcMessage(message) : "";
  if (!(code >= 1 && code <= 16)) {
    return new ConnectError(`invalid grpc-status: ${status}${text === "" ? "" : `: ${text}`}`, Code.Internal);
  }
  return new ConnectError(text, code as Code);
}
