import type { SecureClientSessionOptions } from "node:http2";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";
import { splitHostPort } from "./address.js";

/**
 * How long a dialer waits for a connection to a node to be made before it
 * gives up on the attempt, as grpc-go's minimum connect timeout (20 s): a
 * dial into a silent network (SYNs dropped) fails then instead of after the
 * kernel's SYN retries (about two minutes on Linux), and counts as a failed
 * attempt for the backoff.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

/** The Unavailable error of a connection attempt to `address` that took longer than `ms`. */
export function connectTimeoutError(address: string, ms: number, what = "connection"): ConnectError {
  return new ConnectError(`cannot connect to ${address}: no ${what} within the connect timeout (${ms} ms)`, Code.Unavailable);
}

/**
 * The socket of an HTTP/2 connection to `address` ("host:port"), as
 * node:http2 would open it (TLS with ALPN "h2" when `tls` is given). An
 * http2 session that is still connecting ignores `destroy()`; dialing the
 * socket ourselves (`createConnection`) lets a connect timeout end it.
 */
export function dialSocket(address: string, tls: SecureClientSessionOptions | undefined): Socket {
  const { host, port } = splitHostPort(address);
  if (tls === undefined) {
    return netConnect({ host, port: Number(port) });
  }
  return tlsConnect({
    ...tls,
    host,
    port: Number(port),
    ALPNProtocols: ["h2"],
    ...(tls.servername === undefined && isIP(host) === 0 ? { servername: host } : {}),
  });
}
