/** Servers on 127.0.0.1 port 0 and a configuration over them, for tests. */
import type { ManagerOptions } from "../core/manager-options.js";
import { newConfig } from "../core/manager.js";
import type { Configuration } from "../core/configuration.js";
import { withNodeList } from "../core/node-list.js";
import { Server, type ServerOptions } from "../server/server.js";
import { type CleanupRegistrar, once } from "./cleanup.js";

/**
 * Puts the handlers on the server with index `i` (0-based; its node ID in
 * the configuration is `i + 1`), e.g.
 * `(server) => registerStorageServer(server, impl)`.
 */
export type RegisterServer = (server: Server, i: number) => void;

/** Options of {@link testServers} and {@link testConfiguration}. */
export interface TestServersOptions {
  /** Every server's options, or a function giving server `i`'s. */
  server?: ServerOptions | ((i: number) => ServerOptions);
  /** The configuration's manager options (backoff, metadata, …). */
  manager?: ManagerOptions;
  /** Host to listen on; default "127.0.0.1" (port 0: the system picks). */
  host?: string;
  /** The test runner's cleanup registrar, given `close`: vitest `onTestFinished`, node:test `(fn) => t.after(fn)` (a method: bind it). */
  onCleanup?: CleanupRegistrar;
}

/** Running test servers and a configuration of them (node i+1 is `servers[i]`). */
export interface TestServers extends AsyncDisposable {
  /** The servers, in the order of their node IDs. */
  readonly servers: readonly Server[];
  /** Their bound addresses, "127.0.0.1:port". */
  readonly addrs: readonly string[];
  /** A configuration of all servers (owns its Manager). */
  readonly config: Configuration;
  /** Closes the configuration, then stops every server; runs once however often it is called. */
  close(): Promise<void>;
}

/**
 * Starts `n` servers on loopback, port 0, each with what `register` puts
 * on it, and a configuration over them. If one fails to start, those
 * already started are stopped and the error is thrown.
 *
 * ```ts
 * const { config } = await testServers(3, (srv) => registerStorageServer(srv, impl), { onCleanup: onTestFinished });
 * ```
 */
export async function testServers(n: number, register: RegisterServer, opts: TestServersOptions = {}): Promise<TestServers> {
  const host = opts.host ?? "127.0.0.1";
  const servers: Server[] = [];
  const addrs: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = new Server(typeof opts.server === "function" ? opts.server(i) : opts.server);
      servers.push(server);
      register(server, i);
      addrs.push(await server.listen(`${host}:0`));
    }
  } catch (err) {
    await Promise.allSettled(servers.map((s) => s.stop()));
    throw err;
  }
  const config = newConfig(withNodeList(addrs), opts.manager);
  const close = once(async () => {
    await config.close();
    await Promise.all(servers.map((s) => s.stop()));
  });
  opts.onCleanup?.(close);
  return { servers, addrs, config, close, [Symbol.asyncDispose]: close };
}

/**
 * Go's `TestConfiguration`: {@link testServers}, returning only the
 * configuration. Without a way to close it later, `onCleanup` is required.
 */
export async function testConfiguration(
  n: number,
  register: RegisterServer,
  opts: TestServersOptions & { onCleanup: CleanupRegistrar },
): Promise<Configuration> {
  return (await testServers(n, register, opts)).config;
}
