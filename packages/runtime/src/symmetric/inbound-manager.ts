import { Code, ConnectError } from "@connectrpc/connect";
import { Configuration } from "../core/configuration.js";
import { announcesCapability, SHARED_LINK_CAPABILITY } from "../wire/capabilities.js";
import type { NodeListOption, NodeSpec } from "../core/node-list.js";
import type { NodeRegistry } from "../core/node-registry.js";
import { Node } from "../core/node.js";
import { ClientPeers } from "../server/client-peers.js";
import { LocalChannel } from "../server/local-channel.js";
import { type AcceptedPeer, type AcceptedStream, EXTERNAL_PEER, type StreamAcceptor } from "../server/stream-acceptor.js";
import type { Channel } from "../wire/channel.js";
import { hostOf } from "../wire/address.js";
import { errorReply } from "../wire/message.js";
import type { RequestServer } from "../wire/request-server.js";
import { ConfigWaiters } from "./config-waiters.js";
import { identifyPeer, type KnownPeers, type PeerIdentityCheck } from "./identify-peer.js";
import { authenticateStream, checkPeerAuth, type PeerAuth } from "./peer-auth.js";
import { PeerLink } from "./peer-link.js";

/** Names the known peers of an InboundManager: `withNodeList` or `withNodes`. */
export type InboundNodeOption = NodeListOption;

/** Options of an InboundManager. */
export interface InboundManagerOptions {
  /** Called with the inbound configuration once at construction and on every change. */
  onChange?: (config: Configuration) => void;
  /**
   * Require a credential of every stream beyond its identity headers:
   * mutual TLS with certificates that name the peers, or a shared-secret
   * token (see PeerAuth and docs/security.md). Refused streams fail with
   * Unauthenticated. Default: none, streams are judged by their headers and
   * the socket's host only.
   */
  peerAuth?: PeerAuth;
  /**
   * Resolves the host name of a known peer's address (a Kubernetes
   * StatefulSet's `replica-0.replicas`, a compose service) to the addresses
   * its connections may come from, for the host check. Default: every
   * address `dns.lookup` gives.
   */
  lookup?: (host: string) => Promise<string[]>;
  /**
   * "strict" (default): a stream claiming a known peer must come from that
   * peer's host. "node-id": Go Gorums' trust model for peers behind NAT or a
   * sidecar proxy, the claim is trusted from any address; pair it with
   * `peerAuth` (docs/security.md says what it gives up).
   */
  identity?: PeerIdentityCheck;
}

/**
 * The server side of symmetric configurations. Knows the replicas (known
 * peers, with this process as `myID`) and tracks who is connected, whichever
 * side dialed: `inboundConfig()` is self plus every connected known peer,
 * `clientConfig()` every connected client peer (a client that dialed with
 * `gorums-node-id: 0` and serves calls). Both are live: each change makes a
 * new Configuration; old ones stay as they were. A known peer has one Node,
 * shared with the System's outbound configurations.
 */
export class InboundManager implements NodeRegistry, StreamAcceptor {
  private readonly peers = new Map<number, Node>();
  private readonly links = new Map<number, PeerLink>();
  private readonly idByAddress = new Map<string, number>();
  private readonly waiters = new ConfigWaiters();
  private readonly clients = new ClientPeers({ registry: this, onChange: () => this.waiters.check() });
  /** How to end the stream under a known peer's inbound channel, once a newer stream replaces it. */
  private readonly endReplaced = new WeakMap<Channel, () => void>();
  private current: Configuration;
  private server: RequestServer | undefined;

  constructor(
    /** This process's node ID among the peers (0: none, a server that only tracks clients). */
    readonly myID: number,
    peers?: InboundNodeOption,
    private readonly options: InboundManagerOptions = {},
  ) {
    if (options.peerAuth !== undefined) {
      checkPeerAuth(options.peerAuth);
    }
    if (peers !== undefined) {
      let specs: NodeSpec[];
      try {
        specs = peers.resolve({ knownNodes: () => [] });
      } catch (err) {
        throw new Error(`gorums: invalid peer configuration: ${err instanceof Error ? err.message : String(err)}`);
      }
      for (const spec of specs) {
        this.addPeer(spec);
      }
    }
    this.current = this.buildConfig();
    this.options.onChange?.(this.current);
  }

  /** Self plus every connected known peer, by ID. */
  inboundConfig(): Configuration {
    return this.current;
  }

  /** Every connected client peer, by ID (IDs from 1<<20). */
  clientConfig(): Configuration {
    return this.clients.config();
  }

  /**
   * Resolves once `cond(inboundConfig())` holds (at once if it does). Rejects
   * with the signal's own reason (`signal.reason`, e.g. the TimeoutError of
   * `AbortSignal.timeout`) when it aborts, and with ErrStopped when the
   * server stops.
   */
  waitForConfig(cond: (c: Configuration) => boolean, opts: { signal?: AbortSignal } = {}): Promise<void> {
    return this.waiters.wait(() => this.current, cond, opts.signal);
  }

  /** As `waitForConfig`, for `clientConfig()`. */
  waitForClientConfig(cond: (c: Configuration) => boolean, opts: { signal?: AbortSignal } = {}): Promise<void> {
    return this.waiters.wait(() => this.clients.config(), cond, opts.signal);
  }

  /** @private Every known peer (self included), connected or not. */
  knownPeers(): Node[] {
    return [...this.peers.values()].sort((a, b) => a.id - b.id);
  }

  /** @private A configuration of these nodes (of this manager), sorted by ID. */
  configurationOf(nodes: readonly Node[]): Configuration {
    return new Configuration([...nodes].sort((a, b) => a.id - b.id), this);
  }

  /** @private The link of a known peer (not self). */
  link(id: number): PeerLink | undefined {
    return this.links.get(id);
  }

  // NodeRegistry

  /** @private */
  knownNodes(): Iterable<NodeSpec> {
    return this.peers.values();
  }

  /** The known peer or client peer with this ID. */
  node(id: number): Node | undefined {
    return this.peers.get(id) ?? this.clients.node(id);
  }

  /** @private Resolves a node list against the known peers; new entries become known peers. */
  nodesFor(list: NodeListOption): Node[] {
    const specs = list.resolve(this);
    return specs.map((spec) => this.peers.get(spec.id) ?? this.addPeer(spec));
  }

  /**
   * Does nothing: the nodes of an InboundManager belong to its server or
   * System, and `System.stop()` closes them. (So `close()` on one of its
   * configurations cannot cut the system's links.)
   */
  async close(): Promise<void> {}

  /** @private Closes the channels of every peer and client peer. */
  closeAll(): void {
    for (const node of [...this.peers.values(), ...this.clients.nodes()]) {
      node.channel.close();
    }
  }

  // StreamAcceptor

  /** @private The self node is served in-process by `server`. */
  serveSelf(server: RequestServer): void {
    this.server = server;
    const self = this.peers.get(this.myID);
    if (self !== undefined) {
      self.channel = this.selfChannel(self.address);
    }
  }

  /**
   * @private Decides who opened a stream. With `peerAuth`, the credential
   * is checked first (no credential: Unauthenticated, before any identity
   * is looked at), then the identity headers (PermissionDenied), then, for
   * TLS identity, whether the certificate names the known peer the stream
   * claims (Unauthenticated). Nothing is registered before every check
   * passed (the server registers the stream's channel with the returned
   * peer), so a refused stream never enters a configuration nor replaces a
   * peer's stream.
   */
  async acceptPeer(s: AcceptedStream): Promise<AcceptedPeer> {
    const credential = authenticateStream(this.options.peerAuth, s.headers, s.peerCertificate);
    const who = await identifyPeer(s.headers, hostOf(s.peerAddress), this.knownPeerClaims());
    switch (who.kind) {
      case "external":
        return EXTERNAL_PEER;
      case "client":
        return this.clients.add(s.peerAddress);
      case "known":
        credential.checkPeer(who.nodeID, this.peers.get(who.nodeID)?.address as string);
        return this.knownPeer(who.nodeID, announcesCapability(s.headers, SHARED_LINK_CAPABILITY));
    }
  }

  /** @private Releases every waiter with ErrStopped; later waits reject at once. */
  stop(): void {
    this.waiters.stop();
  }

  /** @private Recomputes the inbound configuration after a connection came or went. */
  changed(): void {
    const fresh = this.buildConfig();
    if (fresh.equals(this.current)) {
      return;
    }
    this.current = fresh;
    this.waiters.check();
    this.options.onChange?.(this.current);
  }

  private addPeer(spec: NodeSpec): Node {
    if (spec.id === this.myID) {
      const self = new Node(spec.id, spec.address, this.selfChannel(spec.address), this);
      this.peers.set(spec.id, self);
      this.idByAddress.set(spec.address, spec.id);
      return self;
    }
    const link = new PeerLink(this.myID, spec.id);
    const node = new Node(spec.id, spec.address, link, this);
    this.peers.set(spec.id, node);
    this.links.set(spec.id, link);
    this.idByAddress.set(spec.address, spec.id);
    return node;
  }

  /** How identifyPeer sees the known peers (self is not one a stream can claim to be). */
  private knownPeerClaims(): KnownPeers {
    return {
      addressOf: (id) => (id === this.myID ? undefined : this.peers.get(id)?.address),
      idOf: (address) => {
        const id = this.idByAddress.get(address);
        return id === this.myID ? undefined : id;
      },
      ...(this.options.lookup !== undefined ? { lookup: this.options.lookup } : {}),
      ...(this.options.identity !== undefined ? { identity: this.options.identity } : {}),
    };
  }

  /**
   * A stream of known peer `id` (`sharesLink`: its headers announced the
   * shared-link capability): its channel becomes the link's inbound one,
   * replacing an older stream of the peer.
   */
  private knownPeer(id: number, sharesLink: boolean): AcceptedPeer {
    const link = this.links.get(id) as PeerLink;
    return {
      nodeID: id,
      register: (channel, endStream) => {
        const replaced = link.attachInbound(channel, sharesLink);
        if (replaced !== undefined) {
          this.endReplaced.get(replaced)?.();
        }
        // A closed channel no longer reports its stream's end, so a replaced
        // stream is ended here: its call finishes cleanly (the peer's
        // connection stays, its new stream may share it), the server forgets
        // it and the handlers still running on it see their signal abort.
        this.endReplaced.set(channel, endStream);
        this.changed();
        return () => {
          if (link.detachInbound(channel)) {
            this.changed();
          }
        };
      },
    };
  }

  /** The self node's channel: served in-process by the server (from `serveSelf`). */
  private selfChannel(address: string): LocalChannel {
    const server = this.server;
    if (server === undefined) {
      return new LocalChannel((request, reply) => void reply(errorReply(request, new ConnectError("gorums: the self node has no server yet", Code.Unavailable))).catch(() => {}));
    }
    return new LocalChannel(server.requestHandlerFor({ nodeID: this.myID, address, headers: new Headers() }));
  }

  private buildConfig(): Configuration {
    const nodes = this.knownPeers().filter((n) => n.id === this.myID || this.links.get(n.id)?.connected);
    return new Configuration(nodes, this);
  }
}
