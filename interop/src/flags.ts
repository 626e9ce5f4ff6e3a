/** Command-line flags of the interop peer. */

/** `--name value` and bare `--name` flags; repeated flags keep every value. */
export function parseFlags(args: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--")) {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    }
    const name = arg.slice(2);
    const next = args[i + 1];
    const value = next !== undefined && !next.startsWith("--") ? next : "";
    if (value !== "") {
      i++;
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

/** "1=host:port,2=host:port" as a map of node IDs to addresses. */
export function parseNodes(list: string): Map<number, string> {
  const nodes = new Map<number, string>();
  for (const entry of list.split(",").filter((e) => e !== "")) {
    const eq = entry.indexOf("=");
    if (eq < 0) {
      throw new Error(`node ${JSON.stringify(entry)} is not id=host:port`);
    }
    nodes.set(Number(entry.slice(0, eq)), entry.slice(eq + 1));
  }
  return nodes;
}
