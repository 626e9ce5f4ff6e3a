/**
 * Clusters of interop peers: System replicas of any mix of languages on free
 * 127.0.0.1 ports (IDs 1..n), clients and plain servers.
 */
import { freePorts } from "../../../packages/runtime/test/symmetric/helpers.js";
import { currentLifetime, type Lang, nodeList, Peer } from "./peers.js";

/** A running set of System replicas. */
export interface Replicas {
  /** Replica `id` (1-based; replaced by `restart`). */
  readonly byID: Map<number, Peer>;
  readonly addrs: Map<number, string>;
  readonly langs: readonly Lang[];
  /** The listening ports, by ID. */
  readonly ports: number[];
  /** Starts replica `id` again on its address, in its language. */
  restart(id: number): Promise<Peer>;
  /** Waits until every replica's config holds `ids` (default: all). */
  waitFull(ids?: readonly number[], timeoutMs?: number): Promise<void>;
}

/**
 * Starts one System replica per entry of `langs` (replica i+1 in langs[i]),
 * in `order` (IDs; default 1..n), each with `extra` arguments, and waits until
 * every replica's config holds all of them. Started inside a test, the
 * replicas (and those `restart` starts) are stopped when it ends; started in
 * beforeAll, by the suite's `afterAll(stopAllPeers)`.
 */
export async function startReplicas(langs: readonly Lang[], opts: { order?: number[]; extra?: (id: number) => string[] } = {}): Promise<Replicas> {
  const ports = await freePorts(langs.length);
  const addrs = new Map(ports.map((p, i) => [i + 1, `127.0.0.1:${p}`]));
  const byID = new Map<number, Peer>();
  const lifetime = currentLifetime();
  const start = async (id: number) => {
    const peer = new Peer(langs[id - 1] as Lang, ["system", "--id", String(id), "--peers", nodeList(addrs), ...(opts.extra?.(id) ?? [])], lifetime);
    byID.set(id, peer);
    await peer.listening();
    return peer;
  };
  for (const id of opts.order ?? langs.map((_, i) => i + 1)) {
    await start(id);
  }
  const all = [...addrs.keys()];
  const replicas: Replicas = {
    byID,
    addrs,
    langs,
    ports,
    restart: start,
    async waitFull(ids = all, timeoutMs = 20_000) {
      await Promise.all([...byID.entries()].filter(([id]) => ids.includes(id)).map(([, p]) => p.waitIDs("config", ids, timeoutMs)));
    },
  };
  await replicas.waitFull();
  return replicas;
}

/** Starts a plain server (`server` mode) and waits for its address. */
export async function startServer(lang: Lang, extra: string[] = []): Promise<{ peer: Peer; addr: string }> {
  const peer = new Peer(lang, ["server", "--addr", "127.0.0.1:0", ...extra]);
  return { peer, addr: await peer.listening() };
}

/** Starts a client of `addrs` and waits until it is ready. */
export async function startClient(lang: Lang, addrs: ReadonlyMap<number, string>, extra: string[] = []): Promise<Peer> {
  const peer = new Peer(lang, ["client", "--nodes", nodeList(addrs), ...extra]);
  await peer.waitEvent((e) => e.event === "ready", "client ready");
  return peer;
}
