import type { KnownNodes, NodeListOption } from "./node-list.js";
import type { Node } from "./node.js";

/**
 * Owns a set of nodes: a Manager (outbound) or an inbound manager. A
 * configuration can only hold nodes of one registry.
 */
export interface NodeRegistry extends KnownNodes {
  /** The node with this ID, if the registry knows it. */
  node(id: number): Node | undefined;
  /** The nodes of a node list, created where new; throws on a bad list. */
  nodesFor(list: NodeListOption): Node[];
  /** Closes every node of the registry. */
  close(): Promise<void>;
}
