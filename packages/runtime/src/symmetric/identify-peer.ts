import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { canonicalHost, hostOf, normalizeAddress } from "../wire/address.js";
import { ADDR_HEADER, NODE_ID_HEADER, parseNodeID } from "../core/identity-headers.js";

/** Who a new stream comes from. */
export type PeerIdentity =
  | { readonly kind: "known"; readonly nodeID: number }
  | { readonly kind: "client" }
  | { readonly kind: "external" };

/**
 * How a claim to be a known peer is checked. "strict" (the default): the
 * connection must come from the host of the peer's known address (a host
 * name: any address it resolves to). "node-id": Go Gorums' trust model, the
 * claim alone names the peer, from wherever the connection comes (NAT,
 * sidecar proxies); pair it with `peerAuth` (docs/security.md).
 */
export type PeerIdentityCheck = "strict" | "node-id";

/** The known peers, by ID and by normalized address, and how claims to be one are checked. */
export interface KnownPeers {
  addressOf(id: number): string | undefined;
  idOf(address: string): number | undefined;
  /** Resolves a host name to its addresses for the host check (default: `dns.lookup` with `all: true`). */
  lookup?: (host: string) => Promise<string[]>;
  /** Default "strict". */
  identity?: PeerIdentityCheck;
}

/**
 * Decides who opened a stream from its identity headers and the socket's
 * remote host. `gorums-addr` must be a known peer address whose host is the
 * socket's (loopback spellings are equal), and a `gorums-node-id` beside it
 * must agree; a lone positive `gorums-node-id` (what Go Gorums sends) names a
 * known peer whose address must have the socket's host, or is an untracked
 * external client when unknown; `gorums-node-id: 0` is a client peer; no
 * headers, an external client. With `identity: "node-id"` the host checks
 * are skipped; the other checks stay. Throws PermissionDenied saying which check
 * failed. An identity header sent more than once is refused (Go reads the
 * first of them; one stream cannot be two peers, so neither is trusted).
 */
export async function identifyPeer(headers: Headers, remoteHost: string, peers: KnownPeers): Promise<PeerIdentity> {
  const addrHeader = single(headers, ADDR_HEADER);
  const idHeader = single(headers, NODE_ID_HEADER);
  if (addrHeader !== null) {
    let address: string;
    try {
      address = normalizeAddress(addrHeader);
    } catch {
      throw denied(`gorums-addr ${JSON.stringify(addrHeader)} is not a valid address`);
    }
    const id = peers.idOf(address);
    if (id === undefined) {
      throw denied(`gorums-addr ${JSON.stringify(addrHeader)} is not a known peer address`);
    }
    await checkHost(peers, address, remoteHost, `gorums-addr ${JSON.stringify(addrHeader)}`);
    if (idHeader !== null && parseNodeID(idHeader) !== id) {
      throw denied(`gorums-node-id ${JSON.stringify(idHeader)} contradicts gorums-addr ${JSON.stringify(addrHeader)}, which is node ${id}`);
    }
    return { kind: "known", nodeID: id };
  }
  if (idHeader === null) {
    return { kind: "external" };
  }
  const id = parseNodeID(idHeader);
  if (id === 0) {
    return { kind: "client" };
  }
  const address = peers.addressOf(id);
  if (address === undefined) {
    return { kind: "external" };
  }
  await checkHost(peers, address, remoteHost, `gorums-node-id ${id}`);
  return { kind: "known", nodeID: id };
}

/**
 * An identity header's one value. Fetch-style Headers join repeated
 * headers with ", ", and neither a node ID nor an address has a comma.
 */
function single(headers: Headers, name: string): string | null {
  const value = headers.get(name);
  if (value !== null && value.includes(",")) {
    throw denied(`${name} was sent more than once (${JSON.stringify(value)})`);
  }
  return value;
}

async function checkHost(peers: KnownPeers, knownAddress: string, remoteHost: string, claim: string): Promise<void> {
  const host = canonicalHost(hostOf(knownAddress));
  const remote = canonicalHost(remoteHost);
  if (peers.identity === "node-id" || host === remote) {
    return;
  }
  if (isIP(hostOf(knownAddress)) === 0) {
    // A host name: compare with what it resolves to.
    const resolve = peers.lookup ?? (async (h: string) => (await lookup(h, { all: true })).map((a) => a.address));
    const resolved = await resolve(host).catch(() => []);
    if (resolved.some((a) => canonicalHost(a) === remote)) {
      return;
    }
  }
  throw denied(`${claim} claims host ${host}, but the connection comes from ${remote}`);
}

function denied(msg: string): ConnectError {
  return new ConnectError(`gorums: peer refused: ${msg}`, Code.PermissionDenied);
}
