import { isIP } from "node:net";

/**
 * Normalizes "host:port" so that one address has one spelling: `localhost`
 * becomes 127.0.0.1, IP literals take their canonical form (IPv6 in
 * brackets), other host names are lower-cased. No DNS look-up is made.
 * Throws `gorums: invalid address "<addr>": <why>` for a malformed address.
 */
export function normalizeAddress(addr: string): string {
  const fail = (why: string): never => {
    throw new Error(`gorums: invalid address ${JSON.stringify(addr)}: ${why}`);
  };
  const colon = addr.lastIndexOf(":");
  if (colon < 0) {
    fail("missing port in address");
  }
  let host = addr.slice(0, colon);
  const port = addr.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    fail(`invalid port ${JSON.stringify(port)}`);
  }
  if (host.startsWith("[") && host.endsWith("]")) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) {
      fail("invalid IPv6 address");
    }
  } else if (host.includes(":")) {
    fail("too many colons in address");
  }
  return `${canonicalHost(host)}:${Number(port)}`;
}

/** The canonical spelling of a host: loopback names and IPv4-mapped IPv6 become IPv4. */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  if (h === "" || h === "localhost") {
    return "127.0.0.1";
  }
  if (h.startsWith("::ffff:") && isIP(h.slice(7)) === 4) {
    return h.slice(7);
  }
  if (isIP(h) === 6) {
    return `[${canonicalIPv6(h)}]`;
  }
  return h;
}

function canonicalIPv6(ip: string): string {
  // Let URL do the canonical compression of an IPv6 literal.
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}
