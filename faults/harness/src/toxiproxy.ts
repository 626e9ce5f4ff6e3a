/**
 * Toxiproxy (github.com/Shopify/toxiproxy/v2, built from the go.mod of
 * faults/toxiproxy) for the fault tests: a TCP proxy per link whose
 * "toxics" make that link slow or broken, driven over Toxiproxy's HTTP API.
 * The server and every proxy listen on 127.0.0.1 ports the kernel picks.
 *
 * TCP cannot lose packets in user space; the toxics stand in for what loss
 * does to a TCP connection: `latency` (with jitter) for retransmission
 * delays, `timeout` for a link that drops everything while the connection
 * stays open, `reset_peer` for a connection broken by a lost peer or a
 * middlebox (RST), `limit_data` for one cut in the middle of a message.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePorts } from "./process-set.js";

/** The Go module that names Toxiproxy's server as a tool (faults/toxiproxy), beside this package. */
export const TOXIPROXY_DIR = fileURLToPath(new URL("../../toxiproxy/", import.meta.url));

/** Toxiproxy's server command, the `tool` of faults/toxiproxy/go.mod. */
const SERVER_PACKAGE = "github.com/Shopify/toxiproxy/v2/cmd/server";

/** Sets the server's parent-death signal where util-linux is installed. */
const SETPRIV = "/usr/bin/setpriv";

/** How long the server may take to answer its API after it started. */
const START_TIMEOUT_MS = 10_000;

/** Which way a toxic acts: "upstream" on what the dialer sends, "downstream" on what it receives. */
export type ToxicStream = "upstream" | "downstream";

/** A toxic of Toxiproxy's, by type, with its attributes (milliseconds and bytes). */
export type ToxicKind =
  /** Delays each chunk by `latency` ± `jitter` ms. */
  | { type: "latency"; latency: number; jitter: number }
  /** Closes the connection with a RST `timeout` ms after data arrives (0: at once). */
  | { type: "reset_peer"; timeout: number }
  /** Drops all data; closes the connection after `timeout` ms (0: never, a silent stall). */
  | { type: "timeout"; timeout: number }
  /** Closes the connection once `bytes` bytes went through. */
  | { type: "limit_data"; bytes: number }
  /** Splits data into chunks of about `average_size` ± `size_variation` bytes, `delay` µs apart. */
  | { type: "slicer"; average_size: number; size_variation: number; delay: number };

/** A toxic to add to a proxy. */
export interface ToxicSpec {
  /** Unique on its proxy. */
  name: string;
  toxic: ToxicKind;
  stream: ToxicStream;
  /** The chance that the toxic acts on a connection, decided per connection (default 1). */
  toxicity?: number;
}

/** Builds Toxiproxy's server into `dir` (go caches, so a second build is quick); resolves with the binary's path. */
export function buildToxiproxy(dir: string): Promise<string> {
  const bin = join(dir, "toxiproxy-server");
  return new Promise((resolve, reject) => {
    execFile("go", ["build", "-o", bin, SERVER_PACKAGE], { cwd: TOXIPROXY_DIR }, (err, _stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`go build of Toxiproxy (${TOXIPROXY_DIR}) failed: ${stderr.trim() || err.message}`));
      } else {
        resolve(bin);
      }
    });
  });
}

/** A running Toxiproxy server and the proxies made on it. */
export class Toxiproxy {
  private exited = false;
  private stderr = "";

  private constructor(
    private readonly child: ChildProcess,
    /** "http://127.0.0.1:PORT" of its API. */
    readonly api: string,
    private readonly closed: Promise<void>,
  ) {
    child.once("exit", () => {
      this.exited = true;
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
  }

  /** Starts the server binary on a free 127.0.0.1 port, `seed` seeding its jitter and toxicity; resolves once its API answers. */
  static async start(bin: string, opts: { seed?: number } = {}): Promise<Toxiproxy> {
    const [port] = await freePorts(1);
    const args = ["-host", "127.0.0.1", "-port", String(port), ...(opts.seed !== undefined ? ["-seed", String(opts.seed)] : [])];
    // setpriv (util-linux) makes the server die with this process, should a test crash before stop().
    const argv = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", bin, ...args] : [bin, ...args];
    const child = spawn(argv[0] as string, argv.slice(1), {
      stdio: ["ignore", "ignore", "pipe"],
      // Its debug level logs every API request.
      env: { ...process.env, LOG_LEVEL: "info" },
    });
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    const proxy = new Toxiproxy(child, `http://127.0.0.1:${port}`, closed);
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await proxy.request("GET", "/version");
        return proxy;
      } catch (err) {
        if (proxy.exited || performance.now() > deadline) {
          await proxy.stop();
          throw new Error(`Toxiproxy did not start (${err instanceof Error ? err.message : String(err)}): ${proxy.stderr.trim()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Makes proxy `name` to `upstream` ("host:port") on a free 127.0.0.1 port; resolves with the address it listens on. */
  async createProxy(name: string, upstream: string): Promise<string> {
    const made = (await this.request("POST", "/proxies", { name, listen: "127.0.0.1:0", upstream, enabled: true })) as { listen: string };
    return made.listen;
  }

  /** Adds a toxic to proxy `proxy`: it acts on the connections open now and on new ones. */
  async addToxic(proxy: string, spec: ToxicSpec): Promise<void> {
    const { type, ...attributes } = spec.toxic;
    await this.request("POST", `/proxies/${encodeURIComponent(proxy)}/toxics`, {
      name: spec.name,
      type,
      stream: spec.stream,
      toxicity: spec.toxicity ?? 1,
      attributes,
    });
  }

  /** Removes a toxic (removing `timeout` closes the connections it held). */
  async removeToxic(proxy: string, name: string): Promise<void> {
    await this.request("DELETE", `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(name)}`);
  }

  /** The names of the toxics on a proxy now. */
  async toxics(proxy: string): Promise<string[]> {
    const list = (await this.request("GET", `/proxies/${encodeURIComponent(proxy)}/toxics`)) as Array<{ name: string }>;
    return list.map((t) => t.name);
  }

  /** Ends the server (SIGKILL; its proxies close with it); resolves once it exited. */
  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill("SIGKILL");
    }
    await this.closed;
  }

  /** One API call; rejects with the server's message on a status ≥ 300. */
  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.api}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (res.status >= 300) {
      throw new Error(`Toxiproxy ${method} ${path}: ${res.status} ${text.trim()}`);
    }
    return res.headers.get("content-type")?.includes("json") === true ? JSON.parse(text) : text;
  }
}
