/** The stream header with the dialer's node ID (Go Gorums' identity header; "0": a client that serves calls). */
export const NODE_ID_HEADER = "gorums-node-id";

/** The stream header with the dialer's own listen address, set by a System. */
export const ADDR_HEADER = "gorums-addr";

/**
 * Parses a `gorums-node-id` value as Go Gorums does: a decimal uint32, and 0
 * for anything else ("", "-1", "abc", "4294967296").
 */
export function parseNodeID(value: string | null): number {
  if (value === null || !/^\d{1,10}$/.test(value)) {
    return 0;
  }
  const id = Number(value);
  return id <= 0xffffffff ? id : 0;
}
