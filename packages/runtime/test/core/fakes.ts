/**
 * Test doubles for core unit tests: a CallChannel whose latency, last error
 * and pending count the test sets, and a NodeRegistry of Nodes on such
 * channels. Nothing here opens a socket.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { Configuration } from "../../src/core/configuration.js";
import type { NodeListOption, NodeSpec } from "../../src/core/node-list.js";
import type { NodeRegistry } from "../../src/core/node-registry.js";
import { Node } from "../../src/core/node.js";
import type { CallChannel } from "../../src/wire/call-channel.js";
import type { PendingCall } from "../../src/wire/pending-call.js";

/** A CallChannel that only records: the test controls latency and last error. */
export class FakeChannel implements CallChannel {
  latencyMs = -1;
  connected = false;
  lastError: ConnectError | undefined = undefined;
  pendingCount = 0;
  closed = false;
  readonly serverInitiated = false;
  readonly sent: PendingCall[] = [];

  send(call: PendingCall): void {
    if (this.closed) {
      call.onError?.(new ConnectError("node closed", Code.Unavailable));
      return;
    }
    this.sent.push(call);
  }

  cancel(call: PendingCall): void {
    const i = this.sent.indexOf(call);
    if (i >= 0) {
      this.sent.splice(i, 1);
    }
  }

  isInbound(): boolean {
    return false;
  }

  close(): void {
    this.closed = true;
  }
}

/** A NodeRegistry whose nodes run on FakeChannels. */
export class FakeRegistry implements NodeRegistry {
  private readonly byID = new Map<number, Node>();
  closeCount = 0;

  knownNodes(): Iterable<NodeSpec> {
    return this.byID.values();
  }

  node(id: number): Node | undefined {
    return this.byID.get(id);
  }

  nodesFor(list: NodeListOption): Node[] {
    return list.resolve(this).map((spec) => this.byID.get(spec.id) ?? this.create(spec.id, spec.address));
  }

  async close(): Promise<void> {
    this.closeCount++;
    for (const n of this.byID.values()) {
      n.channel.close();
    }
  }

  /** Creates a node on a FakeChannel with the given latency (ms, -1 unmeasured) and last error. */
  create(id: number, address = `127.0.0.1:${9000 + id}`, latencyMs = -1, lastError?: ConnectError): Node {
    const channel = new FakeChannel();
    channel.latencyMs = latencyMs;
    channel.lastError = lastError;
    const node = new Node(id, address, channel, this);
    this.byID.set(id, node);
    return node;
  }

  /** The FakeChannel of a node of this registry. */
  channel(id: number): FakeChannel {
    const node = this.byID.get(id);
    if (node === undefined) {
      throw new Error(`no node ${id}`);
    }
    return node.channel as FakeChannel;
  }
}

/** A configuration of the given nodes (in the given order) on a fresh FakeRegistry. */
export function fakeConfig(nodes: ReadonlyArray<{ id: number; latencyMs?: number; lastError?: ConnectError }>): {
  config: Configuration;
  registry: FakeRegistry;
} {
  const registry = new FakeRegistry();
  const list = nodes.map((n) => registry.create(n.id, undefined, n.latencyMs ?? -1, n.lastError));
  return { config: new Configuration(list, registry), registry };
}
