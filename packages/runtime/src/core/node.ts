import type { ConnectError } from "@connectrpc/connect";
import type { CallChannel } from "../wire/call-channel.js";
import { type CallContextOptions, NodeContext } from "./call-context.js";
import type { NodeRegistry } from "./node-registry.js";

/** One process that calls can be sent to. */
export class Node {
  /** @private The channel that carries this node's calls; replaced when the stream changes hands. */
  channel: CallChannel;

  constructor(
    /** The node's ID (uint32, never 0). */
    readonly id: number,
    /** The node's normalized "host:port". */
    readonly address: string,
    channel: CallChannel,
    /** @private The registry that owns the node. */
    readonly registry: NodeRegistry,
  ) {
    this.channel = channel;
  }

  /** True when calls to this node travel on a stream the node opened to us. */
  isInbound(): boolean {
    return this.channel.isInbound();
  }

  /**
   * True while a stream to this node is open and the node accepted it. A
   * client's nodes connect with the first call, or at once with
   * `ManagerOptions.keepConnected`; false again once the stream fails or
   * ends (the node's `lastError` says why).
   */
  get connected(): boolean {
    return this.channel.connected;
  }

  /** Round-trip time of successful calls, EWMA (0.8 old, 0.2 new), in ms; -1 until measured. */
  get latencyMs(): number {
    return this.channel.latencyMs;
  }

  /**
   * The last stream or connection error seen on this node, if any; cleared
   * by the next successful call, so `byLastNodeError` stops demoting a node
   * that recovered.
   */
  get lastError(): ConnectError | undefined {
    return this.channel.lastError;
  }

  /** Calls waiting for a reply from this node or for its stream. */
  get pendingCount(): number {
    return this.channel.pendingCount;
  }

  /** A context for calls to this node alone (rpc, unicast). */
  context(opts?: CallContextOptions): NodeContext {
    return new NodeContext(this, opts);
  }

  /** "node <id> (<address>)". */
  toString(): string {
    return `node ${this.id} (${this.address})`;
  }
}
