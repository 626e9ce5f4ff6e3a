import { isIP } from "node:net";

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
  const fail = (why: string): never => {
    throw new Error(`gorums: invalid address ${JSON.stringify(addr)}: ${why}`);
  };
  const colon = addr.lastIndexOf(":");
  if (colon < 0) {
    return fail("missing port in address");
  }
  let host: string;
  let bracketed = false;
  let rest = 0; // where '[' and ']' may no longer occur
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
    bracketed = true;
    rest = end + 1;
  } else {
    host = addr.slice(0, colon);
    if (host.includes(":")) {
      return fail("too many colons in address");
    }
  }
  if (addr.indexOf("[", bracketed ? 1 : 0) >= 0) {
    return fail("unexpected '[' in address");
  }
  if (addr.indexOf("]", rest) >= 0) {
    return fail("unexpected ']' in address");
  }
  const port = addr.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    return fail(`invalid port ${JSON.stringify(port)}`);
  }
  if (bracketed ? isIP(host) === 0 : isIP(host) === 0 && !/^[A-Za-z0-9_.-]*$/.test(host)) {
    return fail(bracketed ? "invalid IPv6 address" : `invalid host ${JSON.stringify(host)}`);
  }
  return `${canonicalHost(host)}:${Number(port)}`;
}

/**
 * The canonical spelling of a host: loopback names become 127.0.0.1,
 * IPv4-mapped IPv6 addresses (any spelling) become IPv4, other IPv6 literals
 * are compressed and bracketed (a zone is kept as given).
 */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  if (h === "" || h === "localhost") {
    return "127.0.0.1";
  }
  if (isIP(h) !== 6) {
    return h;
  }
  const zoneAt = h.indexOf("%");
  const ip = canonicalIPv6(zoneAt < 0 ? h : h.slice(0, zoneAt));
  if (zoneAt >= 0) {
    return `[${ip}${host.slice(zoneAt)}]`;
  }
  return mappedIPv4(ip) ?? `[${ip}]`;
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
