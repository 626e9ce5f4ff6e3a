// Local replicas, each in its own process: the `server` subcommand of
// main.js, started on free ports of 127.0.0.1 and told about each other.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { READY } from "./server-main.js";

/** Replicas running in child processes. */
export interface LocalCluster {
  /** Their addresses; replica i+1 listens on addrs[i]. */
  readonly addrs: readonly string[];
  /** Stops them: SIGTERM, then SIGKILL for any still running after 3 s. */
  stop(): Promise<void>;
}

/** How to start local replicas. */
export interface LocalClusterOptions {
  /** Passes --verbose to the replicas: one line per request handled. */
  verbose?: boolean;
  /** Told each line a replica prints after it is ready (with --verbose: its requests). */
  onOutput?: (line: string) => void;
  /** Told when replica `id` is ready. */
  onReady?: (id: number, addr: string) => void;
  /** How long the replicas may take to start and connect (default 20 s). */
  timeoutMs?: number;
}

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));
const ATTEMPTS = 3;
const live = new Set<ChildProcess>();

// Whatever happens to this process, its replicas do not outlive it.
process.once("exit", () => {
  for (const child of live) {
    child.kill("SIGKILL");
  }
});

/**
 * Starts `n` replicas with IDs 1..n, each in its own process, and resolves
 * once every one of them reports that all are connected. Ports are picked
 * free beforehand; if one was taken in between, all start again on new ports
 * (up to 3 attempts).
 */
export async function startLocalCluster(n: number, opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const addrs = (await freePorts(n)).map((port) => `127.0.0.1:${port}`);
    try {
      return await launch(addrs, opts);
    } catch (err) {
      lastError = err as Error;
      if (!(err instanceof PortTaken)) {
        throw err;
      }
    }
  }
  throw lastError as Error;
}

class PortTaken extends Error {}

async function launch(addrs: string[], opts: LocalClusterOptions): Promise<LocalCluster> {
  const peers = addrs.map((addr, i) => `${i + 1}=${addr}`).join(",");
  const children = addrs.map((addr, i) => {
    const args = [MAIN, "server", "--id", String(i + 1), "--addr", addr, "--peers", peers, ...(opts.verbose ? ["--verbose"] : [])];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"] });
    live.add(child);
    child.once("exit", () => live.delete(child));
    return child;
  });
  const stop = () => stopAll(children);

  try {
    await new Promise<void>((resolve, reject) => {
      let ready = 0;
      const timer = setTimeout(() => reject(new Error(`the local replicas did not connect to each other within ${(opts.timeoutMs ?? 20_000) / 1000} s`)), opts.timeoutMs ?? 20_000);
      const settle = (err?: Error) => {
        clearTimeout(timer);
        if (err === undefined) {
          resolve();
        } else {
          reject(err);
        }
      };
      children.forEach((child, i) => {
        let isReady = false;
        const errors: string[] = [];
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
          const m = READY.exec(line);
          if (!isReady && m !== null) {
            isReady = true;
            opts.onReady?.(i + 1, addrs[i] as string);
            if (++ready === children.length) {
              settle();
            }
          } else if (isReady) {
            opts.onOutput?.(line);
          }
        });
        createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
          if (isReady) {
            opts.onOutput?.(line);
          } else {
            errors.push(line);
          }
        });
        child.once("exit", (code, signal) => {
          if (!isReady) {
            const why = errors.join("\n") || `exited with ${signal ?? `code ${code}`}`;
            settle(/EADDRINUSE/.test(why) ? new PortTaken(why) : new Error(`replica ${i + 1} failed to start: ${why}`));
          }
        });
        child.once("error", (err) => settle(new Error(`replica ${i + 1} could not be started: ${err.message}`)));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { addrs, stop };
}

/** Stops child processes: SIGTERM, and SIGKILL after 3 s for any still running. */
async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** `n` ports that are free on 127.0.0.1 right now. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
