/** Splits "host:port" (IPv6 in brackets; empty host = all interfaces) for `net.Server.listen`. */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(":");
  if (colon < 0) {
    throw new Error(`gorums: invalid listen address ${JSON.stringify(addr)}: missing port`);
  }
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new Error(`gorums: invalid listen address ${JSON.stringify(addr)}: bad port`);
  }
  if (host.startsWith("[") && host.endsWith("]")) {
    host = host.slice(1, -1);
  }
  return { host: host === "" ? undefined : host, port };
}

/** "host:port" for a bound socket address (IPv6 in brackets). */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
