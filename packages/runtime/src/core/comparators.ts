import type { Node } from "./node.js";

/** Orders nodes by ascending ID. */
export function byID(a: Node, b: Node): number {
  return a.id - b.id;
}

/** Orders nodes by ascending latency; nodes not yet measured go last. */
export function byLatency(a: Node, b: Node): number {
  const la = a.latencyMs;
  const lb = b.latencyMs;
  if (la < 0 || lb < 0) {
    return la < 0 && lb < 0 ? 0 : la < 0 ? 1 : -1;
  }
  return la - lb;
}

/** Puts nodes without a last error first. */
export function byLastNodeError(a: Node, b: Node): number {
  const ea = a.lastError !== undefined;
  const eb = b.lastError !== undefined;
  return ea === eb ? 0 : ea ? 1 : -1;
}
