/** Small helpers shared by the call-type tests in this folder. */
import { ConnectError, type Code } from "@connectrpc/connect";
import { afterEach, expect } from "vitest";
import { type Configuration, newConfig, QuorumCallError, withNodeList } from "../../src/index.js";
import { stopAll, type TestServer } from "../helpers/test-servers.js";

/** A configuration of the servers, in order (node i+1 is servers[i]). */
export function configOf(servers: readonly TestServer[]): Configuration {
  return newConfig(withNodeList(servers.map((s) => s.addr)));
}

/** The error `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  expect.fail("expected the promise to reject");
}

/** Asserts that `p` rejects with a ConnectError with this code; returns it. */
export async function expectCode(p: Promise<unknown>, code: Code): Promise<ConnectError> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(code);
  return err as ConnectError;
}

/** Asserts that `p` rejects with a QuorumCallError with this cause; returns it. */
export async function expectQuorumError(p: Promise<unknown>, cause: Error): Promise<QuorumCallError> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(QuorumCallError);
  expect((err as QuorumCallError).cause).toBe(cause);
  return err as QuorumCallError;
}

/**
 * Test servers and a configuration over them that are stopped and closed
 * after each test of the calling file (its afterEach): `use(started)` adopts
 * the servers and returns them with their configuration.
 */
export function useTestServers(): { use(started: TestServer[] | Promise<TestServer[]>): Promise<{ servers: TestServer[]; config: Configuration }> } {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;
  afterEach(async () => {
    await config?.close();
    config = undefined;
    await stopAll(servers);
    servers = [];
  });
  return {
    async use(started) {
      servers = await started;
      config = configOf(servers);
      return { servers, config };
    },
  };
}
