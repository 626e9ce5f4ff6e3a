import { isIP } from "node:net";

/*
 * "host:port" addresses, in one place: splitting (Go's net.SplitHostPort),
 * formatting (IPv6 in brackets), the host part of an address, and one
 * spelling per host (loopback names, IPv4-mapped IPv6, compressed IPv6).
 * No DNS look-up is made here.
 */

/**
 * Splits "host:port" as Go's `net.SplitHostPort` does: the host without its
 * brackets ("[::1]:80" → "::1"), the port as written (checked by the
 * caller). Throws `gorums: invalid <what> "<addr>": <why>` with Go's reason
 * (missing port, too many colons, missing or unexpected bracket).
 */
export function splitHostPort(addr: string, what = "address"): { host: string; port: string } {
  const fail = (why: string): never => {
    throw invalidAddress(what, addr, why);
  };
  const colon = addr.lastIndexOf(":");
  if (colon < 0) {
    return fail("missing port in address");
  }
  let host: string;
  let from = 0; // where '[' may no longer occur
  let rest = 0; // where ']' may no longer occur
  if (addr.startsWith("[")) {
    const end = addr.indexOf("]");
    if (end < 0) {
      return fail("missing ']' in address");
    }
    if (end + 1 === addr.length) {
      return fail("missing port in address");
    }
    if (end + 1 !== colon) {
      return fail(addr[end + 1] === ":" ? "too many colons in address" : "missing port in address");
    }
    host = addr.slice(1, end);
    from = 1;
    rest = end + 1;
  } else {
    host = addr.slice(0, colon);
    if (host.includes(":")) {
      return fail("too many colons in address");
    }
  }
  if (addr.indexOf("[", from) >= 0) {
    return fail("unexpected '[' in address");
  }
  if (addr.indexOf("]", rest) >= 0) {
    return fail("unexpected ']' in address");
  }
  return { host, port: addr.slice(colon + 1) };
}

/** A port written in decimal, 0 to 65535 (leading zeros allowed), or undefined. */
export function parsePort(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;
}

/** "host:port", an IPv6 host (one with a colon) in brackets, as Go's `net.JoinHostPort`. */
export function formatAddress(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The host of a well-formed "host:port" (a socket address, a normalized
 * address), without brackets: "[::1]:80" → "::1", "10.0.0.1:80" → "10.0.0.1".
 */
export function hostOf(address: string): string {
  return unbracket(address.slice(0, address.lastIndexOf(":")));
}

/**
 * Normalizes "host:port" so that one address has one spelling: `localhost`
 * (and an empty host) becomes 127.0.0.1, IP literals take their canonical
 * form (IPv6 in brackets, an IPv4-mapped IPv6 address in any spelling becomes
 * plain IPv4, as Go's `net.ResolveTCPAddr` prints it), other host names are
 * lower-cased. No DNS look-up is made. Splitting follows Go's
 * `net.SplitHostPort`. Throws `gorums: invalid address "<addr>": <why>` for a
 * malformed address.
 */
export function normalizeAddress(addr: string): string {
  const { host, port: portText } = splitHostPort(addr);
  const port = parsePort(portText);
  if (port === undefined) {
    throw invalidAddress("address", addr, `invalid port ${JSON.stringify(portText)}`);
  }
  const bracketed = addr.startsWith("[");
  if (isIP(host) === 0 && (bracketed || !/^[A-Za-z0-9_.-]*$/.test(host))) {
    throw invalidAddress("address", addr, bracketed ? "invalid IPv6 address" : `invalid host ${JSON.stringify(host)}`);
  }
  return `${canonicalHost(host)}:${port}`;
}

/**
 * Splits a listen address "host:port" for `net.Server.listen`: the host
 * without brackets, undefined for an empty one (all interfaces). Throws
 * `gorums: invalid listen address "<addr>": <why>`.
 */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const { host, port: portText } = splitHostPort(addr, "listen address");
  const port = parsePort(portText);
  if (port === undefined) {
    throw invalidAddress("listen address", addr, `bad port ${JSON.stringify(portText)}`);
  }
  return { host: host === "" ? undefined : host, port };
}

/**
 * The canonical spelling of a host (brackets optional): loopback names
 * (`localhost`, the empty host) become 127.0.0.1, IPv4-mapped IPv6
 * addresses (any spelling) become IPv4, other IPv6 literals are compressed
 * and bracketed (a zone is kept as given), host names are lower-cased.
 * Other loopback addresses (127.0.0.2, ::1) are hosts of their own.
 */
export function canonicalHost(host: string): string {
  const bare = unbracket(host);
  const h = bare.toLowerCase();
  if (h === "" || h === "localhost") {
    return "127.0.0.1";
  }
  if (isIP(h) !== 6) {
    return h;
  }
  const zoneAt = h.indexOf("%");
  const ip = canonicalIPv6(zoneAt < 0 ? h : h.slice(0, zoneAt));
  if (zoneAt >= 0) {
    return `[${ip}${bare.slice(zoneAt)}]`;
  }
  return mappedIPv4(ip) ?? `[${ip}]`;
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function invalidAddress(what: string, addr: string, why: string): Error {
  return new Error(`gorums: invalid ${what} ${JSON.stringify(addr)}: ${why}`);
}

function canonicalIPv6(ip: string): string {
  // Let URL do the canonical compression of an IPv6 literal (without zone).
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** The IPv4 address of a canonical IPv4-mapped IPv6 address ("::ffff:7f00:1"), if it is one. */
function mappedIPv4(canonical: string): string | undefined {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (m === null) {
    return undefined;
  }
  const hi = Number.parseInt(m[1] as string, 16);
  const lo = Number.parseInt(m[2] as string, 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}
