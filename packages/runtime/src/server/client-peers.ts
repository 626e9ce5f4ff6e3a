import { Configuration } from "../core/configuration.js";
import type { NodeListOption, NodeSpec } from "../core/node-list.js";
import type { NodeRegistry } from "../core/node-registry.js";
import { Node } from "../core/node.js";
import type { Channel } from "../wire/channel.js";

/** The first ID a plain Server gives its client peers (the same base as an InboundManager's). */
const CLIENT_ID_BASE = 1 << 20;

/**
 * The client peers of a plain Server (one without an InboundManager): every
 * stream opened with `gorums-node-id: 0` and no `gorums-addr` (a client that
 * serves calls back, `ManagerOptions.server`) gets an ID from 1<<20 and is in
 * `clientConfig()` until its stream ends, as Go's NewServer allows.
 */
export class ClientPeers implements NodeRegistry {
  private readonly clients = new Map<number, Node>();
  private nextID = CLIENT_ID_BASE;
  private current = new Configuration([], this);

  /** Every connected client peer, by ID. */
  config(): Configuration {
    return this.current;
  }

  /** The ID the next client peer gets. */
  reserveID(): number {
    return this.nextID++;
  }

  /** Registers client peer `id` on `channel`; returns its cleanup, for when the stream ends. */
  add(id: number, address: string, channel: Channel): () => void {
    this.clients.set(id, new Node(id, address, channel, this));
    this.rebuild();
    return () => {
      if (this.clients.get(id)?.channel === channel) {
        this.clients.delete(id);
        this.rebuild();
      }
    };
  }

  /** @private */
  knownNodes(): Iterable<NodeSpec> {
    return this.clients.values();
  }

  /** The client peer with this ID. */
  node(id: number): Node | undefined {
    return this.clients.get(id);
  }

  /** @private Client peers cannot be added by a node list: only those connected are nodes. */
  nodesFor(list: NodeListOption): Node[] {
    return list.resolve(this).map((spec) => {
      const node = this.clients.get(spec.id);
      if (node === undefined) {
        throw new Error(`gorums: node ${spec.id} is not a connected client peer of this server`);
      }
      return node;
    });
  }

  /** Does nothing: the client peers' channels belong to the server, which closes them on stop. */
  async close(): Promise<void> {}

  private rebuild(): void {
    this.current = new Configuration([...this.clients.values()].sort((a, b) => a.id - b.id), this);
  }
}
