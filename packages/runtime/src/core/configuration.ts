import type { Code } from "@connectrpc/connect";
import { type CallContextOptions, ConfigContext } from "./call-context.js";
import { byID } from "./comparators.js";
import { errorIsKind, type QuorumCallError } from "./errors.js";
import type { NodeListOption } from "./node-list.js";
import type { NodeRegistry } from "./node-registry.js";
import type { Node } from "./node.js";

/**
 * An immutable set of nodes that calls go to, sorted by ID (except after
 * `sortBy`). Every operation returns a new Configuration; nodes are shared.
 * Only nodes of the same Manager (or inbound manager) can be combined.
 */
export class Configuration implements Iterable<Node> {
  private readonly list: readonly Node[];

  /** @private Use `Manager.newConfiguration`, `newConfig` or the algebra methods. */
  constructor(
    nodes: readonly Node[],
    /** @private The registry the nodes belong to. */
    readonly registry: NodeRegistry | undefined,
  ) {
    this.list = nodes;
  }

  /** Number of nodes. */
  get size(): number {
    return this.list.length;
  }

  /** The nodes, in configuration order. */
  nodes(): readonly Node[] {
    return this.list;
  }

  /** The node IDs, in configuration order. */
  nodeIDs(): number[] {
    return this.list.map((n) => n.id);
  }

  /** The node with this ID, if it is in the configuration. */
  node(id: number): Node | undefined {
    return this.list.find((n) => n.id === id);
  }

  /** Whether a node with this ID is in the configuration. */
  contains(id: number): boolean {
    return this.list.some((n) => n.id === id);
  }

  [Symbol.iterator](): Iterator<Node> {
    return this.list[Symbol.iterator]();
  }

  /** Adds the known nodes with these IDs; unknown and present IDs are ignored. */
  add(...ids: number[]): Configuration {
    const registry = this.registry;
    if (this.list.length === 0 || registry === undefined) {
      return this.derive([]);
    }
    const nodes = [...this.list];
    const seen = new Set(this.nodeIDs());
    for (const id of ids) {
      const node = seen.has(id) ? undefined : registry.node(id);
      if (node !== undefined) {
        nodes.push(node);
        seen.add(id);
      }
    }
    return this.derive(nodes.sort(byID));
  }

  /** The nodes of both configurations. */
  union(other: Configuration): Configuration {
    if (this.list.length === 0) {
      return new Configuration([...other.list], other.registry);
    }
    if (other.list.length === 0) {
      return this.derive([...this.list]);
    }
    return this.add(...other.nodeIDs());
  }

  /** This configuration without the nodes with these IDs. */
  remove(...ids: number[]): Configuration {
    const drop = new Set(ids);
    return this.derive(this.list.filter((n) => !drop.has(n.id)));
  }

  /** The nodes of this configuration that are not in `other`. */
  difference(other: Configuration): Configuration {
    return this.remove(...other.nodeIDs());
  }

  /**
   * This configuration plus the nodes of a node list, created in the same
   * manager. Throws on a bad list, or when this configuration is empty.
   */
  extend(list?: NodeListOption): Configuration {
    if (this.list.length === 0 || this.registry === undefined) {
      throw new Error("gorums: cannot extend empty configuration");
    }
    if (list === undefined) {
      return this.derive([...this.list]);
    }
    const added = new Configuration(this.registry.nodesFor(list), this.registry);
    return this.union(added);
  }

  /** The nodes ordered by `cmp` (stable). */
  sortBy(cmp: (a: Node, b: Node) => number): Configuration {
    return this.derive([...this.list].sort(cmp));
  }

  /**
   * This configuration without the nodes that failed in `err`; with `kinds`,
   * only those whose error is one of them (an error, compared by identity or
   * by ConnectError code and message, or a gRPC Code).
   */
  withoutErrors(err: QuorumCallError, ...kinds: Array<Error | Code>): Configuration {
    const drop = new Set<number>();
    for (const ne of err.nodeErrors) {
      if (kinds.length === 0 || kinds.some((k) => errorIsKind(ne.error, k))) {
        drop.add(ne.nodeID);
      }
    }
    return this.derive(this.list.filter((n) => !drop.has(n.id)));
  }

  /** Same nodes in the same order (compared by ID). */
  equals(other: Configuration): boolean {
    return this.list.length === other.list.length && this.list.every((n, i) => n.id === other.list[i]?.id);
  }

  /**
   * Emits `derive(this)` at once, then again every `intervalMs` whenever the
   * derived configuration changes (by `equals`). Ends when `signal` aborts.
   * E.g. `cfg.watch(1000, (c) => c.sortBy(byLatency).remove(...))`.
   */
  watch(intervalMs: number, derive: (c: Configuration) => Configuration, opts: { signal?: AbortSignal } = {}): AsyncIterable<Configuration> {
    if (!(intervalMs > 0)) {
      throw new Error("gorums: Watch interval must be positive");
    }
    // Checked here, not at the first tick, for callers without the types (as Go panics on nil derive).
    if (typeof derive !== "function") {
      throw new Error("gorums: Watch derive function must be non-nil");
    }
    const self = this;
    const signal = opts.signal;
    return {
      async *[Symbol.asyncIterator]() {
        let current = derive(self);
        yield current;
        while (!(signal?.aborted ?? false)) {
          if (!(await sleep(intervalMs, signal))) {
            return;
          }
          const fresh = derive(self);
          if (!fresh.equals(current)) {
            current = fresh;
            yield current;
          }
        }
      },
    };
  }

  /**
   * A context for calls to every node of this configuration. Throws on an
   * empty configuration.
   */
  context(opts?: CallContextOptions): ConfigContext {
    if (this.list.length === 0) {
      throw new Error("gorums: Context called on an empty configuration");
    }
    return new ConfigContext(this, opts);
  }

  /**
   * Closes the manager behind this configuration, and so all its nodes.
   * Idempotent. An empty configuration closes nothing (as in Go, it has no
   * manager).
   */
  async close(): Promise<void> {
    if (this.list.length > 0) {
      await this.registry?.close();
    }
  }

  /** "{1, 2, 3}". */
  toString(): string {
    return `{${this.nodeIDs().join(", ")}}`;
  }

  private derive(nodes: readonly Node[]): Configuration {
    return new Configuration(nodes, this.registry);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
