/** The stream header with the dialer's node ID (Go Gorums' identity header; "0": a client that serves calls). */
export const NODE_ID_HEADER = "gorums-node-id";

/** The stream header with the dialer's own listen address, set by a System. */
export const ADDR_HEADER = "gorums-addr";

/**
 * The stream header in which a gorums-ts dialer lists what it understands
 * beyond Go Gorums' wire, comma-separated (Go peers send none and ignore it).
 */
export const CAPABILITIES_HEADER = "gorums-capabilities";

/**
 * The capability of a replica that shares one connection per pair of
 * replicas: it lets its own dialed stream go when the other side's dial wins
 * the tiebreak. A peer that does not announce it (every Go Gorums replica)
 * builds its configuration only from the streams dialed to it, so the other
 * side keeps dialing it.
 */
export const SHARED_LINK_CAPABILITY = "shared-link";

/** Whether stream `headers` announce `capability` in `gorums-capabilities`. */
export function announcesCapability(headers: Headers, capability: string): boolean {
  const value = headers.get(CAPABILITIES_HEADER);
  return value !== null && value.split(",").some((c) => c.trim() === capability);
}
