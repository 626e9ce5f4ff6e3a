import { createHmac, timingSafeEqual, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type { PeerCertificate } from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";
import { ADDR_HEADER, NODE_ID_HEADER } from "../core/identity-headers.js";
import { hostOf } from "../wire/address.js";
import type { StreamAuth } from "../core/manager-options.js";

/** The stream header that carries a shared-secret token: `<ts>.<hex hmac-sha256(secret, "nodeID|addr|ts")>`. */
export const AUTH_HEADER = "gorums-auth";

/** Default largest difference between a token's timestamp and the verifier's clock: 30 s. */
export const DEFAULT_MAX_SKEW_MS = 30_000;

/**
 * How peers prove who they are beyond the identity headers they claim (see
 * docs/security.md). Without it (the default) a stream is let in on its
 * `gorums-addr` / `gorums-node-id` and the socket's host, as before.
 *
 * - `"tls-identity"`: mutual TLS. Every stream needs a client certificate
 *   the server's CA verified; a stream that claims a known peer must carry
 *   a certificate that names it: a SAN URI `gorums:node:<id>` with its ID,
 *   or, when the certificate names no node IDs, a SAN IP or DNS entry
 *   matching the host of its known address. A System with this mode also
 *   checks, when it dials, that the peer's server certificate names the
 *   peer it dials, the same way.
 * - `"hmac"`: a shared secret. Every stream needs a `gorums-auth` header
 *   with a token over its own `gorums-node-id` and `gorums-addr` headers and
 *   a timestamp at most `maxSkewMs` away from the verifier's clock. For
 *   deployments without TLS: it keeps out whoever lacks the secret, but
 *   does not hide or protect the traffic, and a token seen on the wire can
 *   be replayed (for the same claimed identity) within the skew window.
 *
 * Streams refused for want of the credential fail with UNAUTHENTICATED and
 * never enter `inboundConfig()` or `clientConfig()`.
 */
export type PeerAuth = { readonly mode: "tls-identity" } | HmacPeerAuth;

/** The shared-secret mode of PeerAuth. */
export interface HmacPeerAuth {
  readonly mode: "hmac";
  /** The shared secret (use 32 random bytes or more); the same on every peer and client. */
  readonly secret: string | Uint8Array;
  /** Largest accepted clock difference between token and verifier, in ms (default 30 000). */
  readonly maxSkewMs?: number;
}

/** Throws a clear error for a PeerAuth that cannot work. */
export function checkPeerAuth(auth: PeerAuth): void {
  if (auth.mode === "tls-identity") {
    return;
  }
  if (auth.mode !== "hmac") {
    throw new Error(`gorums: unknown peerAuth mode ${JSON.stringify((auth as { mode: unknown }).mode)}`);
  }
  if (auth.secret.length === 0) {
    throw new Error("gorums: peerAuth hmac needs a non-empty secret");
  }
  const skew = auth.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (!Number.isFinite(skew) || skew <= 0) {
    throw new Error(`gorums: peerAuth maxSkewMs must be a positive number of ms, not ${skew}`);
  }
}

/** The token of `gorums-auth` for these identity header values ("" for one not sent) at `ts` (ms since the epoch). */
export function hmacToken(secret: string | Uint8Array, nodeID: string, addr: string, ts: number): string {
  return `${ts}.${mac(secret, nodeID, addr, ts).toString("hex")}`;
}

/**
 * What a dialer needs to send `gorums-auth` on its streams: pass it as
 * `ManagerOptions.streamAuth` (a System with `peerAuth: { mode: "hmac" }`
 * does so for its outbound configurations). Each new connection gets a
 * fresh token over the stream's own identity headers; a connection is not
 * reused for new streams once its token is half the skew old.
 */
export function hmacStreamAuth(secret: string | Uint8Array, opts: { maxSkewMs?: number } = {}): StreamAuth {
  const auth: HmacPeerAuth = { mode: "hmac", secret, ...(opts.maxSkewMs !== undefined ? { maxSkewMs: opts.maxSkewMs } : {}) };
  checkPeerAuth(auth);
  const maxSkewMs = auth.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  return {
    maxAgeMs: maxSkewMs / 2,
    headers: (h) => ({ [AUTH_HEADER]: hmacToken(secret, h.get(NODE_ID_HEADER) ?? "", h.get(ADDR_HEADER) ?? "", Date.now()) }),
  };
}

/**
 * Checks a stream's `gorums-auth` header: a well-formed token whose MAC
 * (compared in constant time) covers the stream's own `gorums-node-id` and
 * `gorums-addr` values, with a timestamp within `maxSkewMs` of `now`.
 * Throws Unauthenticated saying what is wrong.
 */
export function verifyHmacToken(auth: HmacPeerAuth, headers: Headers, now: number = Date.now()): void {
  const token = headers.get(AUTH_HEADER);
  if (token === null) {
    throw unauthenticated(`missing ${AUTH_HEADER} header (peerAuth hmac)`);
  }
  const m = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(token);
  if (m === null) {
    throw unauthenticated(`malformed ${AUTH_HEADER} token`);
  }
  const ts = Number(m[1]);
  const want = mac(auth.secret, headers.get(NODE_ID_HEADER) ?? "", headers.get(ADDR_HEADER) ?? "", ts);
  if (!timingSafeEqual(Buffer.from(m[2] as string, "hex"), want)) {
    throw unauthenticated(`invalid ${AUTH_HEADER} token (wrong secret, or identity headers it was not made for)`);
  }
  const skew = auth.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(now - ts) > skew) {
    throw unauthenticated(`${AUTH_HEADER} token is ${Math.round((now - ts) / 1000)} s off this server's clock (at most ${skew / 1000} s allowed)`);
  }
}

/** What a stream's credential allows, once `authenticateStream` let it in. */
export interface StreamCredential {
  /** Throws Unauthenticated unless the credential may claim known peer `id` at `address`. */
  checkPeer(id: number, address: string): void;
}

/**
 * Checks a new stream's credential under `auth`, before any identity is
 * looked at: the `gorums-auth` token (hmac), or a verified client
 * certificate (tls-identity). Throws Unauthenticated. With tls-identity the
 * credential then also checks that the certificate names the known peer
 * the stream claims to be; the other modes (and none) allow any claim
 * (an hmac token already covers the identity headers).
 */
export function authenticateStream(auth: PeerAuth | undefined, headers: Headers, peerCertificate: PeerCertificate | undefined): StreamCredential {
  if (auth?.mode === "hmac") {
    verifyHmacToken(auth, headers);
  }
  if (auth?.mode !== "tls-identity") {
    return ANY_CLAIM;
  }
  const cert = requireCertificate(peerCertificate);
  return {
    checkPeer: (id, address) => {
      if (!certificateNamesPeer(cert, id, address)) {
        throw certificateMismatch(cert, id, address);
      }
    },
  };
}

const ANY_CLAIM: StreamCredential = { checkPeer: () => {} };

/**
 * The peer certificate to judge a stream by: present only when the
 * connection is TLS and the handshake verified it (`requestCert` with a CA).
 * Throws Unauthenticated when there is none.
 */
function requireCertificate(cert: PeerCertificate | undefined): PeerCertificate {
  if (cert === undefined) {
    throw unauthenticated("no verified client certificate (peerAuth tls-identity: the server needs tls with requestCert and the peers' CA)");
  }
  return cert;
}

/**
 * Whether a certificate names known peer `id` at `address`. A certificate
 * with SAN URIs `gorums:node:<id>` is bound to those IDs only; one without
 * is matched by the host of the address: a SAN IP entry for an IP host, a
 * SAN DNS entry (wildcards allowed) for a host name. The subject's CN never
 * counts.
 */
export function certificateNamesPeer(cert: PeerCertificate, id: number, address: string): boolean {
  const ids = certificateNodeIDs(cert);
  if (ids.length > 0) {
    return ids.includes(id);
  }
  if (cert.raw === undefined) {
    return false;
  }
  const host = hostOf(address);
  const x509 = new X509Certificate(cert.raw);
  return isIP(host) !== 0 ? x509.checkIP(host) !== undefined : x509.checkHost(host, { subject: "never" }) !== undefined;
}

/** The node IDs a certificate names with SAN URIs `gorums:node:<id>`. */
export function certificateNodeIDs(cert: PeerCertificate): number[] {
  const ids: number[] = [];
  for (const { type, value } of subjectAltNames(cert.subjectaltname)) {
    const m = type === "URI" ? /^gorums:node:(\d{1,10})$/.exec(value) : null;
    if (m !== null && Number(m[1]) <= 0xffffffff) {
      ids.push(Number(m[1]));
    }
  }
  return ids;
}

/** The Unauthenticated refusal of a certificate that does not name the peer it claims to be. */
function certificateMismatch(cert: PeerCertificate, id: number, address: string): ConnectError {
  return unauthenticated(`the client certificate (${cert.subjectaltname ?? "no subjectAltName"}) names neither gorums:node:${id} nor the host of ${address}, yet the stream claims node ${id}`);
}

/**
 * Splits Node's `subjectaltname` string ("DNS:a, IP Address:1.2.3.4,
 * URI:…") into entries. Node writes a value with special characters (a
 * comma, a quote) as a JSON string, so a crafted value cannot pass for
 * further entries.
 */
export function subjectAltNames(san: string | undefined): Array<{ type: string; value: string }> {
  const out: Array<{ type: string; value: string }> = [];
  const s = san ?? "";
  let i = 0;
  while (i < s.length) {
    const colon = s.indexOf(":", i);
    if (colon < 0) {
      break;
    }
    const type = s.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (s[j] === '"') {
      let k = j + 1;
      while (k < s.length && s[k] !== '"') {
        k += s[k] === "\\" ? 2 : 1;
      }
      try {
        value = JSON.parse(s.slice(j, k + 1)) as string;
      } catch {
        value = "";
      }
      j = k + 1;
    } else {
      const comma = s.indexOf(", ", j);
      const end = comma < 0 ? s.length : comma;
      value = s.slice(j, end);
      j = end;
    }
    out.push({ type, value });
    i = s.startsWith(", ", j) ? j + 2 : s.length;
  }
  return out;
}

function mac(secret: string | Uint8Array, nodeID: string, addr: string, ts: number): Buffer {
  return createHmac("sha256", secret).update(`${nodeID}|${addr}|${ts}`).digest();
}

function unauthenticated(msg: string): ConnectError {
  return new ConnectError(`gorums: peer refused: ${msg}`, Code.Unauthenticated);
}
