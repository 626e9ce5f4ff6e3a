/** The stream header with the dialer's node ID (Go Gorums' identity header; "0": a client that serves calls). */
export const NODE_ID_HEADER = "gorums-node-id";

/** The stream header with the dialer's own listen address, set by a System. */
export const ADDR_HEADER = "gorums-addr";
