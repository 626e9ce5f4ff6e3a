// The commands of the log's state machine, a key-value store: a put sets a
// key and answers with its previous value, a get answers with a key's value.
// Both go through the log, so a get is ordered with every put: a get served
// from a replica's local state could miss a put already decided elsewhere.

/** A put of `value` to `key`, or a get of `key`. */
export type KvCommand = { kind: "put"; key: string; value: string } | { kind: "get"; key: string };

/** The op text of a command in the log: "KEY=VALUE" for a put, "KEY?" for a get. */
export function formatOp(c: KvCommand): string {
  return c.kind === "put" ? `${c.key}=${c.value}` : `${c.key}?`;
}

/** The command of an op text, or undefined if it is neither "KEY=VALUE" nor "KEY?" (with a non-empty key). */
export function parseOp(op: string): KvCommand | undefined {
  const eq = op.indexOf("=");
  if (eq > 0) {
    return { kind: "put", key: op.slice(0, eq), value: op.slice(eq + 1) };
  }
  if (op.length > 1 && op.endsWith("?")) {
    return { kind: "get", key: op.slice(0, -1) };
  }
  return undefined;
}

/**
 * Applies the op to `state` and returns its result: a put's previous value,
 * a get's value ("" for a key never put). An op that is no command changes
 * nothing and returns "".
 */
export function applyOp(state: Map<string, string>, op: string): string {
  const c = parseOp(op);
  if (c === undefined) {
    return "";
  }
  const current = state.get(c.key) ?? "";
  if (c.kind === "put") {
    state.set(c.key, c.value);
  }
  return current;
}
