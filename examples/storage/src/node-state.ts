// What the REPL says about its nodes: one line of state per node for the
// `nodes` command, and a watch that reports a node that goes down or comes
// back. Both read the runtime's node state (`connected`, `lastError`,
// `latencyMs`); the configuration is made with `keepConnected`, so that
// state follows the replicas without any call.
import type { Configuration, Node } from "@gorums/runtime";

/** How often the watch looks at the nodes, in ms. */
const WATCH_INTERVAL_MS = 200;

/** "node 2 (127.0.0.1:9083)": a node by the index the REPL's commands take, and its address. */
export function nodeLabel(config: Configuration, node: Node): string {
  return `node ${config.nodes().indexOf(node)} (${node.address})`;
}

/**
 * One line for `nodes`: "2: 127.0.0.1:9083 (id 3): connected, latency 0.4 ms",
 * "…: down, last error: [unavailable] …", or "…: connecting" before its first
 * connection is made or has failed.
 */
export function nodeStateLine(config: Configuration, node: Node): string {
  const parts = [node.connected ? "connected" : isDown(node) ? "down" : "connecting"];
  if (node.connected) {
    parts.push(node.latencyMs < 0 ? "latency not measured yet" : `latency ${node.latencyMs.toFixed(1)} ms`);
  }
  if (node.lastError !== undefined) {
    parts.push(`last error: ${firstLine(node.lastError.message)}`);
  }
  return `${config.nodes().indexOf(node)}: ${node.address} (id ${node.id}): ${parts.join(", ")}`;
}

/**
 * A node is down once it has no stream and a connection error says why (a
 * node still making its first connection is not).
 */
function isDown(node: Node): boolean {
  return !node.connected && node.lastError !== undefined;
}

/**
 * Resolves once every node is connected or down (its first connection
 * failed), or after `timeoutMs`: so that the REPL opens with the state known.
 */
export async function waitForNodeState(config: Configuration, timeoutMs: number): Promise<void> {
  const unsettled = (c: Configuration) => c.remove(...c.nodes().filter((n) => n.connected || isDown(n)).map((n) => n.id));
  for await (const pending of config.watch(20, unsettled, { signal: AbortSignal.timeout(timeoutMs) })) {
    if (pending.size === 0) {
      return;
    }
  }
}

/**
 * Prints "node 2 (127.0.0.1:9083) down: <error>" when a node's connection
 * fails and "node 2 (127.0.0.1:9083) up" when it connects again, until
 * `signal` aborts. Built on `config.watch`: the configuration of the nodes
 * that are not down, looked at every 200 ms.
 */
export async function watchNodeState(config: Configuration, print: (line: string) => void, signal: AbortSignal): Promise<void> {
  let reachable: ReadonlySet<number> | undefined;
  const notDown = (c: Configuration) => c.remove(...c.nodes().filter(isDown).map((n) => n.id));
  for await (const live of config.watch(WATCH_INTERVAL_MS, notDown, { signal })) {
    if (signal.aborted) {
      return;
    }
    const now = new Set(live.nodeIDs());
    for (const node of config.nodes()) {
      const was = reachable === undefined || reachable.has(node.id);
      if (was && !now.has(node.id)) {
        print(`${nodeLabel(config, node)} down: ${firstLine(node.lastError?.message ?? "not connected")}`);
      } else if (!was && now.has(node.id)) {
        print(`${nodeLabel(config, node)} up`);
      }
    }
    reachable = now;
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
