/** Small helpers shared by the call-type tests in this folder. */
import { ConnectError, type Code } from "@connectrpc/connect";
import { expect } from "vitest";
import { type Configuration, QuorumCallError } from "../../src/index.js";
import { rejection } from "../helpers/rejection.js";
import { configOf, type TestServer } from "../helpers/test-servers.js";

export { configOf, rejection };


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
 * Test servers and a configuration over them, stopped and closed when the
 * test ends (the fixtures' own cleanup): `use(started)` returns the servers
 * with their configuration.
 */
export function useTestServers(): { use(started: TestServer[] | Promise<TestServer[]>): Promise<{ servers: TestServer[]; config: Configuration }> } {
  return {
    async use(started) {
      const servers = await started;
      return { servers, config: configOf(servers) };
    },
  };
}
