/**
 * Which NodeStream implementation carries the calls: "http2", the
 * purpose-built stream on node:http2 (gRPC wire format, batched writes; the
 * default), or "connect-node", connect-node's bidi call and handler. The
 * environment variable GORUMS_TRANSPORT changes the default (the test suite
 * runs against both).
 */
export type StreamTransport = "http2" | "connect-node";

/** The transport to use when none is given: GORUMS_TRANSPORT, else "http2". */
export function defaultTransport(): StreamTransport {
  return process.env.GORUMS_TRANSPORT === "connect-node" ? "connect-node" : "http2";
}
