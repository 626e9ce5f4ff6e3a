/**
 * Helpers of the symmetric-configuration tests: free loopback ports for
 * replicas that must know each other's addresses before they listen, replicas
 * with the test service.
 */
import * as net from "node:net";
import { newSymmetricSystem, type System, type SystemOptions, withNodes } from "../../src/index.js";
import { cleanup, newState, registerTestService, type TestServerState } from "../helpers/test-servers.js";

/** The port of "host:port". */
export function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(":") + 1));
}

/** `n` distinct ports free on 127.0.0.1 right now (all held open together while picked). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

export { newState };

/** A replica started by `startReplicas`. */
export interface Replica {
  system: System;
  readonly state: TestServerState;
}

/** A set of replicas that know each other (IDs 1..n on 127.0.0.1). */
export interface Replicas {
  readonly replicas: Replica[];
  readonly addrs: Map<number, string>;
  /** Stops every replica (also those restarted with `restart`). */
  stopAll(): Promise<void>;
  /** Starts replica `id` again on its old address (after `system.stop()`), serving and dialing. */
  restart(id: number): Promise<Replica>;
}

/**
 * Starts `n` replicas with `newSymmetricSystem` on free 127.0.0.1 ports, the
 * test service registered, `register` (if any) called after it, served, each
 * with `newOutboundConfig()` to all. `opts(id)` gives each its options.
 * Every replica (also restarted ones) stops when the test ends.
 */
export async function startReplicas(
  n: number,
  opts: (id: number) => SystemOptions = () => ({}),
  register?: (r: Replica, id: number) => void,
): Promise<Replicas> {
  const ports = await freePorts(n);
  const addrs = new Map(ports.map((p, i) => [i + 1, `127.0.0.1:${p}`]));
  const all: Replica[] = [];
  const stopAll = async () => {
    await Promise.all(all.map((r) => r.system.stop()));
  };
  cleanup(stopAll);
  const start = async (id: number): Promise<Replica> => {
    const system = await newSymmetricSystem(addrs.get(id) as string, id, withNodes(addrs), opts(id));
    const replica: Replica = { system, state: newState() };
    all.push(replica);
    system.registerService((srv) => registerTestService(srv, replica.state, id));
    register?.(replica, id);
    await system.serve();
    return replica;
  };
  const replicas = await Promise.all(Array.from({ length: n }, (_, i) => start(i + 1)));
  for (const r of replicas) {
    r.system.newOutboundConfig();
  }
  return {
    replicas,
    addrs,
    stopAll,
    async restart(id) {
      const r = await start(id);
      r.system.newOutboundConfig();
      replicas[id - 1] = r;
      return r;
    },
  };
}

