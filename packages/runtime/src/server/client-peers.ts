import { Configuration } from "../core/configuration.js";
import { ADDR_HEADER, NODE_ID_HEADER, parseNodeID } from "../core/identity-headers.js";
import type { NodeListOption, NodeSpec } from "../core/node-list.js";
import type { NodeRegistry } from "../core/node-registry.js";
import { Node } from "../core/node.js";
import { Channel } from "../wire/channel.js";
import type { AcceptedStream, AcceptingServer } from "./stream-acceptor.js";

/** The first ID given to client peers (Go's `clientIDStart`); known peers have lower IDs. */
export const CLIENT_ID_BASE = 1 << 20;

/**
 * The client peers of a plain Server (one without an InboundManager), as Go's
 * NewServer tracks them: a stream that announces `gorums-node-id` parsing to
 * 0 and no `gorums-addr` (a client that serves calls back, dialing with
 * `ManagerOptions.server`) gets an ID from CLIENT_ID_BASE and is in
 * `config()` until its stream ends; every other stream is an external client.
 */
export class ClientPeers implements NodeRegistry {
  private readonly clients = new Map<number, Node>();
  private nextID = CLIENT_ID_BASE;
  private current = new Configuration([], this);

  /** Every connected client peer, by ID. */
  config(): Configuration {
    return this.current;
  }

  /**
   * Makes the channel of a new stream, served by `server`, and tracks it
   * when it is a client peer. Its handlers see `ctx.peer.nodeID` 0, the ID
   * the caller announced: a plain Server names no peers (the ID here is the
   * server's handle for calling the client back), as Go's handlers see only
   * the caller's `gorums-node-id: 0`.
   */
  accept(s: AcceptedStream, server: AcceptingServer, onDown: (c: Channel) => void): Channel {
    const onRequest = server.requestHandlerFor({ nodeID: 0, address: s.peerAddress, headers: s.headers }, s.signal);
    if (!isClientPeer(s.headers)) {
      return new Channel({ nodeID: 0, stream: s.stream, onRequest, onStreamDown: onDown });
    }
    const id = this.nextID++;
    const channel = new Channel({
      nodeID: id,
      stream: s.stream,
      onRequest,
      onStreamDown: (c) => {
        onDown(c);
        if (this.clients.delete(id)) {
          this.rebuild();
        }
      },
    });
    this.clients.set(id, new Node(id, s.peerAddress, channel, this));
    this.rebuild();
    return channel;
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

/** A stream from a client that serves calls: `gorums-node-id` present and 0 (Go: any value parsing to 0), no `gorums-addr`. */
function isClientPeer(headers: Headers): boolean {
  const id = headers.get(NODE_ID_HEADER);
  return id !== null && parseNodeID(id) === 0 && headers.get(ADDR_HEADER) === null;
}
