/**
 * What a gorums-ts process understands beyond Go Gorums' wire, announced in
 * the `gorums-capabilities` stream header (comma-separated): a dialer in its
 * request headers, our server in its response headers. Go peers send none
 * and ignore it, so nothing that needs a capability is ever sent to them.
 */

/** The stream header that lists the sender's capabilities. */
export const CAPABILITIES_HEADER = "gorums-capabilities";

/**
 * A replica that shares one connection per pair of replicas: it lets its
 * own dialed stream go when the other side's dial wins the tiebreak. A peer
 * that does not announce it (every Go Gorums replica) builds its
 * configuration only from the streams dialed to it, so the other side keeps
 * dialing it.
 */
export const SHARED_LINK_CAPABILITY = "shared-link";

/** The side that serves calls on the stream aborts a call when it gets a cancel for its sequence number. */
export const CANCEL_CAPABILITY = "cancel";

/** Whether stream `headers` announce `capability`. */
export function announcesCapability(headers: Headers | undefined, capability: string): boolean {
  const value = headers?.get(CAPABILITIES_HEADER);
  return value !== null && value !== undefined && value.split(",").some((c) => c.trim() === capability);
}

/** A `gorums-capabilities` value: `current` (may be null) with `capability` added. */
export function withCapability(current: string | null | undefined, capability: string): string {
  if (current === null || current === undefined || current.trim() === "") {
    return capability;
  }
  return current.split(",").some((c) => c.trim() === capability) ? current : `${current}, ${capability}`;
}
