// Counting TCP connections from the outside: what the kernel lists in
// /proc/net/tcp and /proc/net/tcp6, not what the runtime believes it has.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

interface Socket {
  localPort: number;
  remotePort: number;
  established: boolean;
  inode: string;
}

/**
 * Established TCP connections accepted on one of `ports` whose dialing end
 * belongs to this process: with the replicas in this process and clients in
 * another, the connections among the replicas. Each connection counts once
 * (by its accepting end). Undefined where /proc/net/tcp does not exist
 * (not Linux).
 */
export function connectionsAmong(ports: readonly number[]): number | undefined {
  const sockets = readSockets();
  if (sockets === undefined) {
    return undefined;
  }
  const mine = socketInodesOfThisProcess();
  const listening = new Set(ports);
  const dialedByMe = new Set(
    sockets.filter((s) => s.established && mine.has(s.inode) && listening.has(s.remotePort)).map((s) => `${s.localPort}>${s.remotePort}`),
  );
  return sockets.filter((s) => s.established && listening.has(s.localPort) && dialedByMe.has(`${s.remotePort}>${s.localPort}`)).length;
}

function readSockets(): Socket[] | undefined {
  const out: Socket[] = [];
  let found = false;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    found = true;
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) {
        continue;
      }
      out.push({
        localPort: portOf(cols[1]),
        remotePort: portOf(cols[2]),
        established: cols[3] === "01",
        inode: cols[9] ?? "",
      });
    }
  }
  return found ? out : undefined;
}

function portOf(hexAddr: string | undefined): number {
  return Number.parseInt(hexAddr?.split(":")[1] ?? "", 16);
}

/** The inodes of the sockets this process has open ("socket:[123]" links in /proc/self/fd). */
function socketInodesOfThisProcess(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1] !== undefined) {
        inodes.add(m[1]);
      }
    } catch {
      // closed while we looked
    }
  }
  return inodes;
}
