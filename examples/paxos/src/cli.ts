// The command line of `node dist/main.js`.
import { parseArgs } from "node:util";

/** A bad command line: the message is for the user, with no stack trace. */
export class UsageError extends Error {}

/** What `main.js` was asked to do. */
export type Command =
  | { kind: "help" }
  | { kind: "run"; replicas: number; clients: number; commands: number }
  | { kind: "clients"; replicas: Map<number, string>; clients: number; commands: number }
  | ReplicaCommand;

/** `main.js replica …`: one replica in this process. */
export interface ReplicaCommand {
  kind: "replica";
  /** This replica's ID, a key of `replicas`. */
  id: number;
  /** Every replica, this one included: where it listens and where the others are. */
  replicas: Map<number, string>;
  /** Directory of the stable storage; undefined: memory only. */
  stateDir: string | undefined;
  /** Start empty even if `stateDir` holds state (unsafe; to show what durability is for). */
  forgetState: boolean;
}

export const DEFAULT_REPLICAS = 3;
export const DEFAULT_COMMANDS = 4;

export const USAGE = `Usage:
  node dist/main.js [--replicas N] [--clients K] [--commands M]
      Starts N Paxos replicas (default ${DEFAULT_REPLICAS}, at most 9), each a symmetric
      gorums System on its own 127.0.0.1 port, then a client process in which
      K clients (default N+1) each submit M commands (default ${DEFAULT_COMMANDS}) to the
      replicas in turn, all at once. Prints every replica's decided log, checks
      that they agree, and counts the TCP connections among the replicas.
  node dist/main.js clients --replicas ID=HOST:PORT,... [--clients K] [--commands M]
      Only the clients, against running replicas (the full run starts this).
  node dist/main.js replica --id I --replicas ID=HOST:PORT,... [--state-dir DIR] [--forget-state]
      One replica in this process: listens on its own entry of --replicas and
      connects to the others. Prints "replica I ready on HOST:PORT …" once it
      serves, then "decided SLOT COMMAND-ID BALLOT" for every slot it learns
      ("-" for a no-op); stops on SIGINT or SIGTERM. With --state-dir, promises,
      accepted values and used ballots are fsynced to DIR/paxos-state.jsonl before
      any reply or Prepare leaves, and read back at start: kill -9 and restart
      on the same port is safe. --forget-state ignores what DIR holds (unsafe:
      a replica with amnesia, for showing what the durability is for).
  node dist/main.js --help`;

/** Parses the arguments after `node main.js`. Throws UsageError on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    return { kind: "help" };
  }
  if (argv[0] === "replica") {
    return parseReplica(argv.slice(1));
  }
  if (argv[0] === "clients") {
    const { values } = parse(argv.slice(1));
    if (values.replicas === undefined) {
      throw new UsageError("clients: --replicas ID=HOST:PORT,... is required (e.g. --replicas 1=127.0.0.1:9001,2=127.0.0.1:9002)");
    }
    const replicas = parseReplicaList(values.replicas, "clients");
    return {
      kind: "clients",
      replicas,
      clients: integer(values.clients, "--clients", replicas.size + 1, 1, 20),
      commands: integer(values.commands, "--commands", DEFAULT_COMMANDS, 1, 100),
    };
  }
  const { values } = parse([...argv]);
  const replicas = integer(values.replicas, "--replicas", DEFAULT_REPLICAS, 1, 9);
  return {
    kind: "run",
    replicas,
    clients: integer(values.clients, "--clients", replicas + 1, 1, 20),
    commands: integer(values.commands, "--commands", DEFAULT_COMMANDS, 1, 100),
  };
}

function parseReplica(args: string[]): ReplicaCommand {
  let values: { id?: string | undefined; replicas?: string | undefined; "state-dir"?: string | undefined; "forget-state"?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { id: { type: "string" }, replicas: { type: "string" }, "state-dir": { type: "string" }, "forget-state": { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`replica: ${err instanceof Error ? err.message.split("\n")[0] ?? String(err) : String(err)}`);
  }
  if (values.replicas === undefined) {
    throw new UsageError("replica: --replicas ID=HOST:PORT,... is required (every replica, this one included)");
  }
  const replicas = parseReplicaList(values.replicas, "replica");
  if (values.id === undefined) {
    throw new UsageError("replica: --id is required");
  }
  const id = integer(values.id, "--id", 0, 1, 1_000_000);
  if (!replicas.has(id)) {
    throw new UsageError(`replica: --replicas has no entry for --id ${id}: it says where this replica listens`);
  }
  const stateDir = values["state-dir"];
  if (stateDir === "") {
    throw new UsageError("replica: --state-dir needs a directory");
  }
  if (values["forget-state"] === true && stateDir === undefined) {
    throw new UsageError("replica: --forget-state only makes sense with --state-dir");
  }
  return { kind: "replica", id, replicas, stateDir, forgetState: values["forget-state"] === true };
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { replicas: { type: "string" }, clients: { type: "string" }, commands: { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split("\n")[0] ?? String(err) : String(err));
  }
}

function integer(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(text.trim())) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  const n = Number.parseInt(text, 10);
  if (n < min || n > max) {
    throw new UsageError(`${flag} must be from ${min} to ${max}, not ${n}`);
  }
  return n;
}

function parseReplicaList(text: string, cmd = "clients"): Map<number, string> {
  const out = new Map<number, string>();
  for (const item of text.split(",")) {
    const m = /^\s*(\d+)=([^\s:,]+:\d{1,5})\s*$/.exec(item);
    if (m === null) {
      throw new UsageError(`${cmd}: bad replica "${item}"; expected ID=HOST:PORT, e.g. 1=127.0.0.1:9001`);
    }
    const id = Number.parseInt(m[1] as string, 10);
    if (id < 1) {
      throw new UsageError(`${cmd}: replica IDs start at 1`);
    }
    if (out.has(id)) {
      throw new UsageError(`${cmd}: replica ${id} is named twice`);
    }
    out.set(id, m[2] as string);
  }
  return out;
}
