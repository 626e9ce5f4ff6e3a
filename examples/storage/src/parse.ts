// Parsing what a user types: REPL lines, node selections, address lists.

/** Bad input from the user: the message says what is wrong, and is all the user sees. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * Splits a line into arguments like a shell does, without the shell's
 * expansions: whitespace separates, single or double quotes group
 * (`write foo 'bar baz'` gives ["write", "foo", "bar baz"]), a backslash
 * takes the next character literally (also inside quotes), and `''` is an
 * empty argument. Throws a UsageError on an unterminated quote or a
 * trailing backslash.
 */
export function splitQuoted(line: string): string[] {
  const args: string[] = [];
  let current = "";
  let inArg = false;
  let quote: string | undefined;
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      current += ch;
      escaped = false;
      inArg = true;
    } else if (ch === "\\") {
      escaped = true;
      inArg = true;
    } else if (quote !== undefined) {
      if (ch === quote) {
        quote = undefined;
      } else {
        current += ch;
      }
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) {
        args.push(current);
        current = "";
        inArg = false;
      }
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (escaped) {
    throw new UsageError("unfinished escape: the line ends with a backslash");
  }
  if (quote !== undefined) {
    throw new UsageError(`unterminated quoted string: missing closing ${quote}`);
  }
  if (inArg) {
    args.push(current);
  }
  return args;
}

/** A non-negative decimal integer, or undefined. */
function parseCount(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

/**
 * A node index in 0..numNodes-1. Throws a UsageError naming the valid range.
 */
export function parseNodeIndex(s: string, numNodes: number): number {
  const i = parseCount(s);
  if (i === undefined) {
    throw new UsageError(`invalid node index '${s}': it must be a number between 0 and ${numNodes - 1}`);
  }
  if (i >= numNodes) {
    throw new UsageError(`invalid node index ${i}: it must be between 0 and ${numNodes - 1}`);
  }
  return i;
}

/**
 * The node indices a `cfg` command names, as Go's storage REPL reads them:
 * a range `start:stop` (stop excluded; `:stop` starts at 0, `start:` runs to
 * the last node), so `1:3` is [1, 2]; or a list `0,2` (no duplicates); a
 * single index `2` is a list of one. Indices run 0..numNodes-1. Throws a
 * UsageError saying what is wrong.
 */
export function parseIndices(spec: string, numNodes: number): number[] {
  if (spec.includes(":")) {
    const parts = spec.split(":");
    if (parts.length !== 2) {
      throw new UsageError(`invalid range '${spec}': use start:stop, like 1:3`);
    }
    const [startText = "", stopText = ""] = parts;
    const start = startText === "" ? 0 : parseCount(startText);
    const stop = stopText === "" ? numNodes : parseCount(stopText);
    if (start === undefined || stop === undefined) {
      throw new UsageError(`invalid range '${spec}': start and stop must be numbers, like 1:3`);
    }
    if (start >= stop || stop > numNodes) {
      throw new UsageError(`invalid range '${spec}': it must select nodes within 0:${numNodes} (stop excluded)`);
    }
    return Array.from({ length: stop - start }, (_, i) => start + i);
  }
  const indices: number[] = [];
  for (const part of spec.split(",")) {
    const i = parseCount(part);
    if (i === undefined) {
      throw new UsageError(`invalid node list '${spec}': use indices separated by commas, like 0,2`);
    }
    if (i >= numNodes) {
      throw new UsageError(`invalid node index ${i} in '${spec}': indices run from 0 to ${numNodes - 1}`);
    }
    if (indices.includes(i)) {
      throw new UsageError(`duplicate node index ${i} in '${spec}'`);
    }
    indices.push(i);
  }
  return indices;
}

/** "host:port,host:port" → ["host:port", …] (spaces trimmed, empty entries dropped). */
export function splitAddrs(s: string): string[] {
  return s
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
}

/** Whether `addr` looks like host:port (IPv6 hosts in brackets). */
export function isHostPort(addr: string): boolean {
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(addr);
  return m !== null && Number(m[2]) <= 65535;
}

/** "1=host:port,2=host:port" → Map(1 → "host:port", …); throws a UsageError on a bad entry. */
export function parsePeers(s: string): Map<number, string> {
  const peers = new Map<number, string>();
  for (const entry of splitAddrs(s)) {
    const eq = entry.indexOf("=");
    const id = eq > 0 ? parseCount(entry.slice(0, eq)) : undefined;
    const addr = entry.slice(eq + 1);
    if (id === undefined || id === 0 || !isHostPort(addr)) {
      throw new UsageError(`invalid peer '${entry}': use id=host:port with an id of 1 or more, like 1=127.0.0.1:9081`);
    }
    if (peers.has(id)) {
      throw new UsageError(`peer id ${id} appears twice in --peers`);
    }
    peers.set(id, addr);
  }
  return peers;
}
