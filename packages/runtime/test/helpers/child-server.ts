/**
 * TestService servers in child processes (child-server-main.mjs, through
 * child-process.ts: plain node on the built runtime, killed when the test
 * ends), talked to over stdin/stdout: their address, memory, stats, and
 * misbehaviour on command. Tests kill, stop and continue them with real
 * signals.
 */
import { fileURLToPath } from "node:url";
import { type NodeChild, startNodeChild } from "./child-process.js";

const SCRIPT = fileURLToPath(new URL("./child-server-main.mjs", import.meta.url));

/** Options of one server process. */
export interface ChildServerOptions {
  /** Port to listen on (0: any free port). */
  port?: number;
  /** The node ID the server puts in its replies' num. */
  id?: number;
  /** ServerOptions.maxStreamsPerConnection. */
  maxStreams?: number;
  /** Run with --expose-gc, so "mem" measures after a collection. */
  exposeGC?: boolean;
}

/** A running server process. */
export interface ChildServer extends NodeChild {
  readonly addr: string;
  readonly port: number;
  /** Sends a command line; resolves with the JSON object of its one-line answer. */
  command<T = Record<string, unknown>>(cmd: string, timeoutMs?: number): Promise<T>;
}

/** Starts one server process and waits until it listens; it is killed when the current test ends. */
export async function startChildServer(opts: ChildServerOptions = {}): Promise<ChildServer> {
  const args = ["--port", String(opts.port ?? 0), "--id", String(opts.id ?? 1)];
  if (opts.maxStreams !== undefined) {
    args.push("--max-streams", String(opts.maxStreams));
  }
  const proc = startNodeChild(SCRIPT, args, { nodeArgs: opts.exposeGC === true ? ["--expose-gc"] : [] });
  /** The next JSON line on stdout (other lines are passed over). */
  const nextObject = async (timeoutMs: number, what: string): Promise<Record<string, unknown>> => {
    for (;;) {
      try {
        return JSON.parse(await proc.nextLine(timeoutMs, `an answer to ${what}`)) as Record<string, unknown>;
      } catch (e) {
        if (!(e instanceof SyntaxError)) {
          throw e;
        }
      }
    }
  };
  let first: Record<string, unknown>;
  try {
    first = await nextObject(15_000, "startup");
  } catch (e) {
    await proc.kill();
    throw e;
  }
  const addr = String(first.addr);
  return {
    ...proc,
    addr,
    port: Number(addr.slice(addr.lastIndexOf(":") + 1)),
    command: async <T>(cmd: string, timeoutMs = 10_000) => {
      proc.child.stdin?.write(`${cmd}\n`);
      return (await nextObject(timeoutMs, cmd)) as T;
    },
  };
}

/** Starts `n` server processes with IDs 1..n; they are killed when the current test ends. */
export async function startChildServers(n: number, opts: Omit<ChildServerOptions, "id" | "port"> = {}): Promise<ChildServer[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startChildServer({ ...opts, id: i + 1 })));
}
