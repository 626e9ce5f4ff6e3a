/**
 * The command-line scanning that `pnpm bench` (flags.ts) and `pnpm bench:go`
 * (go-bench.ts) share: `--name value`, `--name=value` and boolean flags, an
 * error for anything unknown, and numbers checked against a minimum.
 */

/** What `scanArgv` found. */
export interface ScannedArgv {
  /** Flags with a value, by name (without the dashes). */
  readonly values: ReadonlyMap<string, string>;
  /** Boolean flags given. */
  readonly bools: ReadonlySet<string>;
}

/** Scans argv (without node and the script) for the `known` value flags and the `bools`; throws on anything else. */
export function scanArgv(argv: readonly string[], known: ReadonlySet<string>, bools: ReadonlySet<string>): ScannedArgv {
  const values = new Map<string, string>();
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith("-")) {
      throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    }
    let name = a.replace(/^--?/, "");
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (bools.has(name)) {
      given.add(name);
      continue;
    }
    if (!known.has(name)) {
      throw new Error(`unknown flag --${name}`);
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) {
        throw new Error(`flag --${name} needs a value`);
      }
    }
    values.set(name, value);
  }
  return { values, bools: given };
}

/** The number given for `--name`, or `def`; throws unless it is a finite number ≥ `min`. */
export function numberFlag(values: ReadonlyMap<string, string>, name: string, def: number, min = 0): number {
  const v = values.get(name);
  if (v === undefined) {
    return def;
  }
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    throw new Error(`--${name} must be a number ≥ ${min}, not ${JSON.stringify(v)}`);
  }
  return n;
}
