// The command line of `node dist/main.js`.
import { parseArgs } from "node:util";
import { type KvCommand, parseOp } from "./kv-command.js";

/** A bad command line: the message is for the user, with no stack trace. */
export class UsageError extends Error {}

/** What `main.js` was asked to do. */
export type Command =
  | { kind: "help" }
  | { kind: "run"; replicas: number; clients: number; commands: number }
  | { kind: "clients"; replicas: Map<number, string>; clients: number; commands: number }
  | ReplicaCommand
  | KvClientCommand;

/** `main.js client …`: one key-value client, its commands through the log, recorded in a history. */
export interface KvClientCommand {
  kind: "client";
  /** Every replica. */
  replicas: Map<number, string>;
  /** The client's ID: its process number in the history and the prefix of its command ids. */
  id: number;
  /** The commands of the command line, one after the other (when not `durationMs`). */
  ops: KvCommand[];
  /** Run random puts and gets for this long instead of `ops`. */
  durationMs: number | undefined;
  /** Keys of the random commands: k1..kN. */
  keys: number;
  /** Share of gets among the random commands (percent). */
  getPercent: number;
  /** JSON-lines history file (faults/checker's format, kv model); undefined: none. */
  history: string | undefined;
  /** Deadline of one Submit; then the next replica is tried. */
  timeoutMs: number;
  /** Deadline of a command over all its tries; then its outcome is unknown. */
  deadlineMs: number;
  /** PING each replica this often and drop a connection after as long without an answer; undefined: off. */
  keepaliveMs: number | undefined;
}

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
  node dist/main.js client --replicas ID=HOST:PORT,... [--id P] [options] OP...
  node dist/main.js client --replicas ID=HOST:PORT,... --id P --duration-ms MS [options]
      A key-value client: each command goes through the log (OP is KEY=VALUE, a
      put, or KEY?, a get; both answer when applied: a get with the key's value,
      a put with its previous value). It submits to the replica that decided its
      last command (the leader), and to the next replica after a failure, the
      same command again, until its deadline. With --duration-ms: random puts and
      gets for that long. Options:
      --history FILE     append every command's invocation and completion to
                         FILE as JSON lines (faults/checker -model kv)
      --timeout-ms MS    deadline of one Submit (default 1000)
      --deadline-ms MS   deadline of a command over its tries (default 3000);
                         then it is recorded with an unknown outcome
      --keepalive-ms MS  PING each replica every MS and drop a connection whose
                         answer takes MS (default off)
      --keys K           random commands use keys k1..kK (default 3)
      --gets PERCENT     share of gets among random commands (default 50)
  node dist/main.js --help`;

/** Parses the arguments after `node main.js`. Throws UsageError on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    return { kind: "help" };
  }
  if (argv[0] === "replica") {
    return parseReplica(argv.slice(1));
  }
  if (argv[0] === "client") {
    return parseKvClient(argv.slice(1));
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

function parseKvClient(args: string[]): KvClientCommand {
  const options = {
    replicas: { type: "string" },
    id: { type: "string" },
    history: { type: "string" },
    "timeout-ms": { type: "string" },
    "deadline-ms": { type: "string" },
    "keepalive-ms": { type: "string" },
    "duration-ms": { type: "string" },
    keys: { type: "string" },
    gets: { type: "string" },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`client: ${err instanceof Error ? (err.message.split("\n")[0] ?? String(err)) : String(err)}`);
  }
  const { values, positionals } = parsed;
  if (values.replicas === undefined) {
    throw new UsageError("client: --replicas ID=HOST:PORT,... is required");
  }
  const ops = positionals.map((word) => {
    const op = parseOp(word);
    if (op === undefined) {
      throw new UsageError(`client: "${word}" is no command: expected KEY=VALUE (a put) or KEY? (a get)`);
    }
    return op;
  });
  const durationMs = values["duration-ms"] === undefined ? undefined : integer(values["duration-ms"], "--duration-ms", 0, 1, 86_400_000);
  if ((durationMs === undefined) === (ops.length === 0)) {
    throw new UsageError("client: give either commands (KEY=VALUE, KEY?) or --duration-ms");
  }
  return {
    kind: "client",
    replicas: parseReplicaList(values.replicas, "client"),
    id: integer(values.id, "--id", 1, 1, 1_000_000),
    ops,
    durationMs,
    keys: integer(values.keys, "--keys", 3, 1, 1000),
    getPercent: integer(values.gets, "--gets", 50, 0, 100),
    history: values.history,
    timeoutMs: integer(values["timeout-ms"], "--timeout-ms", 1000, 1, 600_000),
    deadlineMs: integer(values["deadline-ms"], "--deadline-ms", 3000, 1, 3_600_000),
    keepaliveMs: values["keepalive-ms"] === undefined ? undefined : integer(values["keepalive-ms"], "--keepalive-ms", 0, 10, 600_000),
  };
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
