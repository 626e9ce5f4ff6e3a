import { normalizeAddress } from "../wire/address.js";

/** One node of a node list: its ID and normalized address. */
export interface NodeSpec {
  readonly id: number;
  readonly address: string;
}

/** What a registry of nodes already holds, for resolving a node list. */
export interface KnownNodes {
  /** The known nodes: ID and normalized address. */
  knownNodes(): Iterable<NodeSpec>;
}

/**
 * Names the nodes of a configuration: `withNodeList` (IDs chosen for you) or
 * `withNodes` (IDs given). Also accepted where inbound peers are named.
 */
export interface NodeListOption {
  /** @private Resolves the list against the nodes already known. */
  resolve(known: KnownNodes): NodeSpec[];
}

/**
 * Nodes by address. New nodes get IDs max+1, max+2, … after the highest ID
 * known (1..n when none are known). An address that is already known is
 * an error, as in Go Gorums.
 */
export function withNodeList(addrs: readonly string[]): NodeListOption {
  return {
    resolve(known) {
      if (addrs.length === 0) {
        throw new Error("gorums: missing required node addresses");
      }
      const builder = new NodeListBuilder(known);
      const first = builder.nextID();
      addrs.forEach((addr, i) => builder.add(first + i, addr));
      return builder.result();
    },
  };
}

/** Nodes by ID and address. ID 0 is reserved. */
export function withNodes(nodes: Record<number, string> | Map<number, string>): NodeListOption {
  const entries: Array<[number, string]> =
    nodes instanceof Map ? [...nodes.entries()] : Object.entries(nodes).map(([id, addr]) => [Number(id), addr]);
  return {
    resolve(known) {
      if (entries.length === 0) {
        throw new Error("gorums: missing required node map");
      }
      const builder = new NodeListBuilder(known);
      for (const [id, addr] of [...entries].sort((a, b) => a[0] - b[0])) {
        builder.add(id, addr);
      }
      return builder.result();
    },
  };
}

/** Checks a node list against itself and the known nodes, as Go Gorums does. */
class NodeListBuilder {
  private readonly addrToID = new Map<string, number>();
  private readonly idToAddr = new Map<number, string>();
  private readonly specs: NodeSpec[] = [];
  private maxID = 0;

  constructor(known: KnownNodes) {
    for (const n of known.knownNodes()) {
      this.addrToID.set(n.address, n.id);
      this.idToAddr.set(n.id, n.address);
      this.maxID = Math.max(this.maxID, n.id);
    }
  }

  nextID(): number {
    return this.maxID + 1;
  }

  add(id: number, addr: string): void {
    if (id === 0) {
      throw new Error("gorums: node 0 is reserved");
    }
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new Error(`gorums: invalid node ID ${id}`);
    }
    const address = normalizeAddress(addr);
    const existing = this.idToAddr.get(id);
    if (existing !== undefined) {
      if (existing !== address) {
        throw new Error(`gorums: node ${id} already in use by ${JSON.stringify(existing)}`);
      }
      this.specs.push({ id, address });
      return;
    }
    const owner = this.addrToID.get(address);
    if (owner !== undefined) {
      throw new Error(`gorums: address ${JSON.stringify(address)} already in use by node ${owner}`);
    }
    this.addrToID.set(address, id);
    this.idToAddr.set(id, address);
    this.specs.push({ id, address });
  }

  result(): NodeSpec[] {
    return this.specs.sort((a, b) => a.id - b.id);
  }
}
