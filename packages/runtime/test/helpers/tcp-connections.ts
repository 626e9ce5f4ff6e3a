import { readFileSync } from "node:fs";

/**
 * Counts established TCP connections accepted by the given listening ports,
 * from the outside (/proc/net/tcp and tcp6): each connection once, by its
 * accepting end (the dialing end has an ephemeral port).
 */
export function establishedConnectionsTo(ports: readonly number[]): number {
  const wanted = new Set(ports);
  let count = 0;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== "01") {
        continue; // not ESTABLISHED
      }
      const localPort = Number.parseInt((cols[1] ?? "").split(":")[1] ?? "", 16);
      if (wanted.has(localPort)) {
        count++;
      }
    }
  }
  return count;
}
