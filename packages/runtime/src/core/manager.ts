import { Configuration } from "./configuration.js";
import type { NodeListOption, NodeSpec } from "./node-list.js";
import type { NodeRegistry } from "./node-registry.js";
import { Node } from "./node.js";
import type { ManagerOptions } from "./manager-options.js";
import { newOutboundChannel } from "./outbound-channel.js";

/**
 * Owns the outbound nodes of one or more configurations: one channel, and so
 * one HTTP/2 connection and one NodeStream, per node.
 */
export class Manager implements NodeRegistry {
  private readonly byID = new Map<number, Node>();
  private closed = false;

  constructor(private readonly options: ManagerOptions = {}) {}

  /** A configuration of the nodes of a node list; new nodes are created. Throws on a bad list. */
  newConfiguration(list: NodeListOption): Configuration {
    return new Configuration(this.nodesFor(list), this);
  }

  /** Every node of this manager, by ascending ID. */
  nodes(): Node[] {
    return [...this.byID.values()].sort((a, b) => a.id - b.id);
  }

  /** The node with this ID, if known. */
  node(id: number): Node | undefined {
    return this.byID.get(id);
  }

  /** @private */
  knownNodes(): Iterable<NodeSpec> {
    return this.byID.values();
  }

  /** @private */
  nodesFor(list: NodeListOption | undefined): Node[] {
    if (list === undefined) {
      throw new Error("gorums: missing required node list");
    }
    if (this.closed) {
      throw new Error("gorums: manager is closed");
    }
    return list.resolve(this).map((spec) => this.byID.get(spec.id) ?? this.createNode(spec));
  }

  /** Closes every node: pending calls fail with Unavailable "node closed". Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const node of this.byID.values()) {
      node.channel.close();
    }
  }

  private createNode(spec: NodeSpec): Node {
    const keepConnected = this.options.keepConnected === true;
    const channel = newOutboundChannel(spec, this.options, keepConnected ? { keepConnected } : {});
    const node = new Node(spec.id, spec.address, channel, this);
    this.byID.set(spec.id, node);
    if (this.options.server !== undefined || keepConnected) {
      // A client that serves calls dials at once, so that the server can call it back before it calls anyone.
      void channel.connect();
    }
    return node;
  }
}

/**
 * A configuration of the nodes of a node list, with a Manager of its own
 * (closed by `Configuration.close()`). Throws on a bad list.
 */
export function newConfig(list: NodeListOption, opts?: ManagerOptions): Configuration {
  const manager = new Manager(opts);
  return manager.newConfiguration(list);
}
