// The command line of `node dist/main.js`.
import { parseArgs } from "node:util";

/** A bad command line: the message is for the user, with no stack trace. */
export class UsageError extends Error {}

/** What `main.js` was asked to do. */
export type Command = { kind: "help" } | ReplicaCommand | ClientCommand;

/** `main.js replica …`: one replica in this process. */
export interface ReplicaCommand {
  kind: "replica";
  /** This replica's ID, a key of `replicas`. */
  id: number;
  /** Every replica, this one included: where it listens and where the others are. */
  replicas: Map<number, string>;
  /** Directory of the stable storage; undefined: memory only. */
  stateDir: string | undefined;
  /** Where to listen when that is not its own entry of `replicas` (which it still announces: the address the others reach it at, such as a proxy's). */
  listen: string | undefined;
}

/** One operation given on the command line. */
export type Op = { f: "read" } | { f: "write"; value: string };

/** `main.js client …`: a client running operations. */
export interface ClientCommand {
  kind: "client";
  replicas: Map<number, string>;
  /** The client's ID: its process number in the history and the writer part of its timestamps. */
  id: number;
  /** The operations to run one after the other (empty with `durationMs`). */
  ops: Op[];
  /** Run random operations for this long instead of `ops`. */
  durationMs: number | undefined;
  /** Of the random operations, the share of reads in percent. */
  readPercent: number;
  /** Pause between random operations, in ms. */
  pauseMs: number;
  /** Append the history (JSON lines for faults/checker) to this file. */
  history: string | undefined;
  /** Reads skip the write-back (not linearizable). */
  writeBack: boolean;
  /** Deadline of each phase of an operation. */
  timeoutMs: number;
  /** A write's second phase reaches the lowest-ID replica this long before the others. */
  slowWriteMs: number;
  /** HTTP/2 keepalive: PING every replica this often and drop a connection whose PING goes unanswered as long; undefined: off. */
  keepaliveMs: number | undefined;
  /** ManagerOptions.connectTimeoutMs: give up a connection attempt after this long; undefined: the runtime's default (20 s). */
  connectTimeoutMs: number | undefined;
}

export const USAGE = `Usage:
  node dist/main.js replica --id I --replicas ID=HOST:PORT,... [--state-dir DIR] [--listen HOST:PORT]
      One replica of the register in this process: a symmetric gorums System that
      listens on its own entry of --replicas and connects to the others. With
      --listen it listens there instead, and its own entry is only the address it
      announces, where the others reach it (a proxy in front of it). Prints
      "replica I ready on HOST:PORT …" once it serves; stops on SIGINT or SIGTERM.
      With --state-dir, its value is fsynced to DIR/register.json before it
      acknowledges a write, and read back at start: kill -9 and restart is safe.
  node dist/main.js client --replicas ID=HOST:PORT,... [--id P] [options] OP...
      Runs the operations one after the other, each with the ABD algorithm over
      a majority of the replicas. OP is "read" or "write VALUE". Prints one line
      per operation; exits 1 if one failed.
  node dist/main.js client --replicas ID=HOST:PORT,... --id P --duration-ms MS [options]
      Random reads and writes (each write of a new value, "pP-K") for MS ms, one
      after the other (pausing 50 ms after a failed one); prints a summary line
      and the reasons of failures at the end.
  Client options:
      --history FILE     append every operation's invocation and completion to
                         FILE as JSON lines (the format faults/checker reads)
      --no-write-back    reads return without writing the value back to a
                         majority: NOT linearizable, to show the checker catch it
      --timeout-ms MS    deadline of each phase of an operation (default 1000)
      --slow-write MS    a write's second phase reaches the lowest-ID replica MS
                         before the others (a writer on a slow link)
      --keepalive-ms MS  PING each replica every MS and drop a connection whose
                         PING is not answered within MS (a silent partition),
                         then dial again (default: off)
      --connect-timeout-ms MS  give up a connection attempt to a replica that
                         makes no connection within MS (default 20000)
      --reads PERCENT    share of reads among random operations (default 50)
      --pause-ms MS      pause between random operations (default 0)
  node dist/main.js --help`;

/** Parses the arguments after `node main.js`. Throws UsageError on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    return { kind: "help" };
  }
  if (argv[0] === "replica") {
    return parseReplica(argv.slice(1));
  }
  if (argv[0] === "client") {
    return parseClient(argv.slice(1));
  }
  throw new UsageError(`unknown command "${argv[0]}": expected replica or client`);
}

function parseReplica(args: string[]): ReplicaCommand {
  const { values } = parse("replica", args, { id: { type: "string" }, replicas: { type: "string" }, "state-dir": { type: "string" }, listen: { type: "string" } }, false);
  const replicas = replicaList(values.replicas, "replica");
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
  if (values.listen === "") {
    throw new UsageError("replica: --listen needs HOST:PORT");
  }
  return { kind: "replica", id, replicas, stateDir, listen: values.listen };
}

function parseClient(args: string[]): ClientCommand {
  const { values, positionals } = parse(
    "client",
    args,
    {
      replicas: { type: "string" },
      id: { type: "string" },
      history: { type: "string" },
      "no-write-back": { type: "boolean" },
      "timeout-ms": { type: "string" },
      "slow-write": { type: "string" },
      "keepalive-ms": { type: "string" },
      "connect-timeout-ms": { type: "string" },
      "duration-ms": { type: "string" },
      reads: { type: "string" },
      "pause-ms": { type: "string" },
    },
    true,
  );
  const durationMs = values["duration-ms"] === undefined ? undefined : integer(values["duration-ms"], "--duration-ms", 0, 1, 86_400_000);
  const ops = parseOps(positionals);
  if (durationMs === undefined && ops.length === 0) {
    throw new UsageError('client: no operations: give "read" or "write VALUE", or --duration-ms');
  }
  if (durationMs !== undefined && ops.length > 0) {
    throw new UsageError("client: give either operations or --duration-ms, not both");
  }
  return {
    kind: "client",
    replicas: replicaList(values.replicas, "client"),
    id: integer(values.id, "--id", 1, 1, 1_000_000),
    ops,
    durationMs,
    readPercent: integer(values.reads, "--reads", 50, 0, 100),
    pauseMs: integer(values["pause-ms"], "--pause-ms", 0, 0, 60_000),
    history: values.history,
    writeBack: values["no-write-back"] !== true,
    timeoutMs: integer(values["timeout-ms"], "--timeout-ms", 1000, 1, 600_000),
    slowWriteMs: integer(values["slow-write"], "--slow-write", 0, 0, 600_000),
    keepaliveMs: values["keepalive-ms"] === undefined ? undefined : integer(values["keepalive-ms"], "--keepalive-ms", 0, 10, 600_000),
    connectTimeoutMs: values["connect-timeout-ms"] === undefined ? undefined : integer(values["connect-timeout-ms"], "--connect-timeout-ms", 0, 10, 600_000),
  };
}

function parseOps(words: string[]): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === "read") {
      ops.push({ f: "read" });
    } else if (words[i] === "write") {
      const value = words[++i];
      if (value === undefined) {
        throw new UsageError("client: write needs a value");
      }
      ops.push({ f: "write", value });
    } else {
      throw new UsageError(`client: unknown operation "${words[i]}": expected read or write VALUE`);
    }
  }
  return ops;
}

type Options = Record<string, { type: "string" | "boolean" }>;

function parse<O extends Options>(cmd: string, args: string[], options: O, allowPositionals: boolean) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(`${cmd}: ${err instanceof Error ? (err.message.split("\n")[0] ?? String(err)) : String(err)}`);
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

function replicaList(text: string | undefined, cmd: string): Map<number, string> {
  if (text === undefined) {
    throw new UsageError(`${cmd}: --replicas ID=HOST:PORT,... is required (e.g. --replicas 1=127.0.0.1:9001,2=127.0.0.1:9002,3=127.0.0.1:9003)`);
  }
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
