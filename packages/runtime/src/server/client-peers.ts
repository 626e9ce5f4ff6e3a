import { Configuration } from "../core/configuration.js";
import { ADDR_HEADER, NODE_ID_HEADER, parseNodeID } from "../core/identity-headers.js";
import type { NodeListOption, NodeSpec } from "../core/node-list.js";
import type { NodeRegistry } from "../core/node-registry.js";
import { Node } from "../core/node.js";
import { type AcceptedPeer, type AcceptedStream, EXTERNAL_PEER, type PeerAcceptor } from "./stream-acceptor.js";

/** The first ID given to client peers (Go's `clientIDStart`); known peers have lower IDs. */
export const CLIENT_ID_BASE = 1 << 20;

/** Options of ClientPeers. */
export interface ClientPeersOptions {
  /** The registry of the client peers' nodes (default: the ClientPeers itself); an InboundManager passes itself. */
  registry?: NodeRegistry;
  /** Called after a client peer came or went. */
  onChange?: () => void;
}

/**
 * The client peers of a server: clients that serve calls back (dialing with
 * `ManagerOptions.server`, `gorums-node-id: 0`), each with an ID from
 * CLIENT_ID_BASE and in `config()` until its stream ends. A plain Server
 * (one without an InboundManager) accepts streams with it, as Go's
 * NewServer tracks them; an InboundManager adds the client peers it
 * identifies.
 */
export class ClientPeers implements NodeRegistry, PeerAcceptor {
  private readonly clients = new Map<number, Node>();
  private readonly registry: NodeRegistry;
  private nextID = CLIENT_ID_BASE;
  private current: Configuration;

  constructor(private readonly options: ClientPeersOptions = {}) {
    this.registry = options.registry ?? this;
    this.current = new Configuration([], this.registry);
  }

  /** Every connected client peer, by ID. */
  config(): Configuration {
    return this.current;
  }

  /**
   * A plain Server's acceptor: a stream that announces `gorums-node-id`
   * parsing to 0 and no `gorums-addr` is a client peer, and its handlers see
   * its assigned ID as `ctx.peer.nodeID` (its node in `ctx.clientConfig()`);
   * every other stream is an external client, node 0.
   */
  acceptPeer(s: AcceptedStream): AcceptedPeer {
    return isClientPeer(s.headers) ? this.add(s.peerAddress) : EXTERNAL_PEER;
  }

  /** A new client peer at `address` (its socket address), with the next free ID. */
  add(address: string): AcceptedPeer {
    const id = this.nextID++;
    return {
      nodeID: id,
      register: (channel) => {
        this.clients.set(id, new Node(id, address, channel, this.registry));
        this.rebuild();
        return () => {
          if (this.clients.get(id)?.channel === channel) {
            this.clients.delete(id);
            this.rebuild();
          }
        };
      },
    };
  }

  /** Every connected client peer's node. */
  nodes(): Node[] {
    return [...this.clients.values()];
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
    this.current = new Configuration([...this.clients.values()].sort((a, b) => a.id - b.id), this.registry);
    this.options.onChange?.();
  }
}

/**
 * A stream from a client that serves calls: one `gorums-node-id` (several
 * values, joined by ", ", claim no single identity) parsing to 0 (Go: any
 * value parsing to 0), no `gorums-addr`.
 */
function isClientPeer(headers: Headers): boolean {
  const id = headers.get(NODE_ID_HEADER);
  return id !== null && !id.includes(",") && parseNodeID(id) === 0 && headers.get(ADDR_HEADER) === null;
}
