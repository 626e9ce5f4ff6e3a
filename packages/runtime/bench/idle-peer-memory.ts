/**
 * Memory per idle client peer of a server process in any language: the
 * growth of its resident set (Linux /proc/<pid>/status) while `n` client
 * connections each hold one open NodeStream and send nothing. The streams
 * are raw HTTP/2 requests on the server's NodeStream path with its gRPC
 * content type, so the same client measures our servers, Go Gorums' and
 * the stand-in's alike. grpc-go sends response headers only with its first
 * message, so a stream still open after the settle time counts as held; a
 * stream the server ended or reset is counted as refused.
 */
import * as http2 from "node:http2";
import { readFileSync } from "node:fs";

/** Where and how to reach one server's NodeStream. */
export interface NodeStreamTarget {
  /** host:port. */
  readonly addr: string;
  /** The server's process, whose resident set is read. */
  readonly pid: number;
  /** The NodeStream's HTTP/2 path, e.g. /stream.Gorums/NodeStream. */
  readonly path: string;
  /** The request content type, e.g. application/grpc. */
  readonly contentType: string;
}

/** The figures of one measurement. */
export interface IdlePeerMemory {
  readonly peers: number;
  /** Resident set growth per held stream, in KiB. */
  readonly rssKiBPerPeer: number;
}

/** How long the server gets to set up the streams before the resident set is read again. */
const SETTLE_MS = 1500;

/** A process's resident set in KiB (VmRSS). */
export function residentKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (m === null) {
    throw new Error(`no VmRSS for process ${pid}`);
  }
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens `n` idle NodeStreams to `target`, one connection each, and reports
 * its resident set growth per stream. Rejects when the server refused any.
 */
export async function measureIdlePeerMemory(target: NodeStreamTarget, n: number): Promise<IdlePeerMemory> {
  await sleep(300);
  const before = residentKiB(target.pid);
  const sessions: http2.ClientHttp2Session[] = [];
  let ended = 0;
  try {
    for (let i = 0; i < n; i++) {
      const session = http2.connect(`http://${target.addr}`);
      session.on("error", () => {});
      sessions.push(session);
      const req = session.request({ ":method": "POST", ":path": target.path, "content-type": target.contentType, te: "trailers" }, { endStream: false });
      req.on("error", () => {});
      req.on("close", () => ended++);
      req.resume();
      if (i % 50 === 49) {
        await sleep(20); // lets the server accept in steps, as clients arriving over time
      }
    }
    await sleep(SETTLE_MS);
    const after = residentKiB(target.pid);
    if (ended > 0) {
      throw new Error(`${ended} of ${n} NodeStreams to ${target.addr}${target.path} were ended by the server`);
    }
    return { peers: n, rssKiBPerPeer: (after - before) / n };
  } finally {
    for (const s of sessions) {
      s.destroy();
    }
  }
}
