/** N symmetric Systems on loopback, connected to each other, for tests. */
import type { Server } from "../server/server.js";
import { type SystemOptions, type System, newLocalSystems } from "../symmetric/system.js";
import { type CleanupRegistrar, once } from "./cleanup.js";

/** Registers the services of the system with index `i` (its node ID is `i + 1`). */
export type RegisterSystem = (server: Server, i: number, system: System) => void;

/** Options of {@link testSystems}: every system's options, plus the cleanup registrar. */
export interface TestSystemsOptions extends SystemOptions {
  /** The test runner's cleanup registrar, given `close`: vitest `onTestFinished`, node:test `(fn) => t.after(fn)` (a method: bind it). */
  onCleanup?: CleanupRegistrar;
  /**
   * Wait until every system's `inboundConfig()` holds all `n` (default
   * true), so the first quorum call of the test reaches everyone.
   */
  waitConnected?: boolean;
}

/** Running test systems: node i+1 is `systems[i]`. */
export interface TestSystems extends AsyncDisposable {
  /** The systems, in the order of their node IDs. */
  readonly systems: readonly System[];
  /** Stops every system; runs once however often it is called. */
  close(): Promise<void>;
}

/**
 * Starts `n` symmetric Systems on 127.0.0.1 port 0 (IDs 1..n, each knowing
 * the others), registers each one's services with `register`, serves and
 * dials them, and by default waits until every one is connected to all.
 */
export async function testSystems(n: number, register: RegisterSystem, opts: TestSystemsOptions = {}): Promise<TestSystems> {
  const { onCleanup, waitConnected = true, ...systemOptions } = opts;
  const local = await newLocalSystems(n, systemOptions);
  const close = once(() => local.stop());
  onCleanup?.(close);
  try {
    local.systems.forEach((system, i) => system.registerService((srv) => register(srv, i, system)));
    if (waitConnected) {
      await Promise.all(local.systems.map((s) => s.waitForConfig((c) => c.size === n)));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { systems: local.systems, close, [Symbol.asyncDispose]: close };
}
