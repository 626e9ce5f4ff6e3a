// The storage REPL's commands: Go's examples/storage commands on a
// gorums-ts configuration. This file runs one command line at a time; the
// interactive loop around it is in repl-loop.ts.
import { type Configuration, type Node, QuorumCallError } from "@gorums/runtime";
import { majority, newestRead } from "./aggregate.js";
import type { ReadResponse } from "./gen/storage/storage_pb.js";
import {
  readCorrectable,
  readNestedQC,
  readQC,
  readRPC,
  writeMulticast,
  writeNestedMulticast,
  writeQC,
  writeRPC,
  writeUnicast,
} from "./gen/storage/storage_gorums.js";
import { nodeStateLine } from "./node-state.js";
import { parseIndices, parseNodeIndex, splitQuoted, UsageError } from "./parse.js";
import { clock } from "./timestamps.js";

export const HELP = `Run RPCs and quorum calls against the storage replicas. Nodes are numbered
from 0 (see 'nodes'); every write is stamped with this client's clock, and a
replica keeps the newest write of each key (last writer wins). The replicas'
handlers are in src/storage-server.ts, these commands in src/repl.ts.

Commands:
  help                              show this text
  exit, quit                        leave (local replicas are stopped)
  nodes                             list the nodes: address, connected or
                                    not, latency, last error
  rpc   <node> <operation>          an RPC to one node: read or write
  qc    <operation>                 a quorum call to all nodes
  cfg   <nodes> <operation>         a quorum call to some nodes: a range 1:3
                                    (nodes 1 and 2) or a list 0,2
  ucast <node> <key> <value>        a one-way write to one node (unicast)
  mcast <key> <value>               a one-way write to all nodes (multicast)

Operations:
  read   <key>                      read a key (qc: the newest of all replies)
  write  <key> <value>              write a key
  cread  <key>                      correctable read: each level is printed as
                                    replies arrive, and replicas send newer
                                    writes for a second
  nread  <key>                      nested read: each replica reads from a
                                    quorum of its peers
  nwrite <key> <value>              nested write: each replica multicasts the
                                    write to its peers
  (rpc takes read and write; qc and cfg take all five)

Examples:
  rpc 0 write foo bar               write foo=bar on node 0
  qc read foo                       read foo from all nodes
  cfg 1:3 write foo bar             write on nodes 1 and 2
  cfg 0,2 write foo 'bar baz'       quote values with spaces`;

/** How the REPL prints and how long its calls may take. */
export interface ReplOptions {
  /** Prints one line (or several, joined by newlines). */
  out: (text: string) => void;
  /** Deadline of each call (default 2000 ms). */
  timeoutMs?: number;
  /** How long a correctable read listens for replies (default 1500 ms: the replicas' one-second window and some slack). */
  correctableMs?: number;
}

/** What a command asks of the loop around the REPL. */
export type CommandResult = "exit" | undefined;

/** The operations of quorum calls (qc, cfg). */
const QC_OPS = ["read", "write", "cread", "nread", "nwrite"] as const;
type QcOp = (typeof QC_OPS)[number];

/** Runs REPL command lines against a configuration of storage nodes. */
export class StorageRepl {
  private readonly out: (text: string) => void;
  private readonly timeoutMs: number;
  private readonly correctableMs: number;

  constructor(
    /** All nodes; node i of the commands is `config.nodes()[i]`. */
    readonly config: Configuration,
    opts: ReplOptions,
  ) {
    this.out = opts.out;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.correctableMs = opts.correctableMs ?? 1500;
  }

  /**
   * Runs one command line and prints its result. Bad input and failed calls
   * print a message; this never throws. Resolves with "exit" for exit/quit.
   */
  async execute(line: string): Promise<CommandResult> {
    let args: string[];
    try {
      args = splitQuoted(line);
    } catch (err) {
      this.out(`Cannot read the command: ${messageOf(err)}`);
      return undefined;
    }
    const [command, ...rest] = args;
    if (command === undefined) {
      return undefined;
    }
    try {
      return await this.dispatch(command, rest);
    } catch (err) {
      this.out(err instanceof UsageError ? capitalize(err.message) : `Error: ${messageOf(err)}`);
      return undefined;
    }
  }

  private async dispatch(command: string, args: string[]): Promise<CommandResult> {
    switch (command) {
      case "exit":
      case "quit":
        return "exit";
      case "help":
        this.out(HELP);
        return undefined;
      case "nodes":
        this.nodes();
        return undefined;
      case "rpc":
        await this.rpc(args);
        return undefined;
      case "qc":
      case "quorumcall":
        await this.qc(command, args);
        return undefined;
      case "cfg":
        await this.cfg(args);
        return undefined;
      case "ucast":
      case "unicast":
        await this.unicast(command, args);
        return undefined;
      case "mcast":
      case "multicast":
        await this.multicast(command, args);
        return undefined;
      default:
        throw new UsageError(`Unknown command '${command}'. Type 'help' to see the available commands.`);
    }
  }

  private nodes(): void {
    const lines = ["Nodes:"];
    for (const node of this.config.nodes()) {
      lines.push(nodeStateLine(this.config, node));
    }
    this.out(lines.join("\n"));
  }

  private node(indexText: string): Node {
    return this.config.nodes()[parseNodeIndex(indexText, this.config.size)] as Node;
  }

  /** "node i" for a node ID of the configuration: the index the user types. */
  private nodeName(id: number): string {
    const i = this.config.nodes().findIndex((n) => n.id === id);
    return i < 0 ? `node id ${id}` : `node ${i}`;
  }

  private async rpc(args: string[]): Promise<void> {
    const [indexText, op, ...opArgs] = args;
    if (indexText === undefined || op === undefined) {
      throw new UsageError("'rpc' requires a node index and an operation, like: rpc 0 read foo");
    }
    const node = this.node(indexText);
    const ctx = node.context({ timeoutMs: this.timeoutMs });
    switch (op) {
      case "read": {
        const [key] = expectArgs("read", opArgs, ["key"]);
        const reply = await this.attempt("Read RPC", () => readRPC(ctx, { key }));
        this.printRead(key, reply);
        return;
      }
      case "write": {
        const [key, value] = expectArgs("write", opArgs, ["key", "value"]);
        const reply = await this.attempt("Write RPC", () => writeRPC(ctx, { key, value, time: clock.now() }));
        this.out(reply.new ? "Write OK" : `Failed to update ${key}: timestamp too old.`);
        return;
      }
      default:
        throw new UsageError(`Unknown operation '${op}' for 'rpc': use read or write.`);
    }
  }

  private async qc(command: string, args: string[]): Promise<void> {
    const [op, ...opArgs] = args;
    if (op === undefined) {
      throw new UsageError(`'${command}' requires an operation (${QC_OPS.join(", ")}), like: ${command} read foo`);
    }
    await this.quorumOp(command, this.config, op, opArgs);
  }

  private async cfg(args: string[]): Promise<void> {
    const [spec, op, ...opArgs] = args;
    if (spec === undefined || op === undefined) {
      throw new UsageError("'cfg' requires a configuration and an operation, like: cfg 1:3 read foo or cfg 0,2 write foo bar");
    }
    const indices = parseIndices(spec, this.config.size);
    const chosen = new Set(indices.map((i) => this.config.nodes()[i]?.id));
    const sub = this.config.remove(...this.config.nodeIDs().filter((id) => !chosen.has(id)));
    await this.quorumOp("cfg", sub, op, opArgs);
  }

  private async quorumOp(command: string, config: Configuration, op: string, args: string[]): Promise<void> {
    if (!(QC_OPS as readonly string[]).includes(op)) {
      throw new UsageError(`Unknown operation '${op}' for '${command}': use ${QC_OPS.join(", ")}.`);
    }
    switch (op as QcOp) {
      case "read": {
        const [key] = expectArgs("read", args, ["key"]);
        await this.readQuorum("Read quorum call", key, config, readQC(config.context({ timeoutMs: this.timeoutMs }), { key }).results());
        return;
      }
      case "nread": {
        const [key] = expectArgs("nread", args, ["key"]);
        await this.readQuorum("Nested read", key, config, readNestedQC(config.context({ timeoutMs: this.timeoutMs * 1.5 }), { key }).results());
        return;
      }
      case "write": {
        const [key, value] = expectArgs("write", args, ["key", "value"]);
        const replies = await this.collect(writeQC(config.context({ timeoutMs: this.timeoutMs }), { key, value, time: clock.now() }).results());
        this.requireQuorum("Write quorum call", config, replies);
        const updated = replies.values.filter((r) => r.new).length;
        this.out(
          updated >= majority(config.size)
            ? `Write OK (${updated} of ${replicas(config.size)} updated)`
            : `Failed to update ${key}: timestamp too old (${updated} of ${replicas(config.size)} updated)`,
        );
        return;
      }
      case "nwrite": {
        const [key, value] = expectArgs("nwrite", args, ["key", "value"]);
        const replies = await this.collect(writeNestedMulticast(config.context({ timeoutMs: this.timeoutMs }), { key, value, time: clock.now() }).results());
        this.requireQuorum("Nested write", config, replies);
        const passed = replies.values.filter((r) => r.new).length;
        this.out(`Nested write OK (multicast by ${passed} of ${replicas(config.size)})`);
        return;
      }
      case "cread": {
        const [key] = expectArgs("cread", args, ["key"]);
        await this.correctableRead(key, config);
        return;
      }
    }
  }

  /** Prints the newest of a quorum of read replies. */
  private async readQuorum(what: string, key: string, config: Configuration, seq: AsyncIterable<{ nodeID: number; value?: ReadResponse; error?: Error }>): Promise<void> {
    const replies = await this.collect(seq);
    this.requireQuorum(what, config, replies);
    const newest = newestRead(replies.values) as ReadResponse;
    const of = `newest of ${replies.values.length} ${replies.values.length === 1 ? "reply" : "replies"}`;
    this.out(`${readText(key, newest)} (${of})`);
  }

  /**
   * A correctable read, printed as it progresses: a first line at once
   * saying how long it listens, then every level as its reply arrives (the
   * level is the number of replies so far; its value, the newest of them),
   * a line once every node has answered (replicas still send newer writes
   * of the key until their window ends), and the final value.
   */
  private async correctableRead(key: string, config: Configuration): Promise<void> {
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    this.out(`Correctable read of ${key} on ${config.size} ${config.size === 1 ? "node" : "nodes"}: levels as replies arrive, newer writes for up to ${seconds(this.correctableMs)}`);
    const ctx = config.context({ timeoutMs: this.correctableMs });
    const quorum = majority(config.size);
    let newest: ReadResponse | undefined;
    let level = 0;
    const answered = new Set<number>();
    for await (const r of readCorrectable(ctx, { key }).results()) {
      if (r.error !== undefined || r.value === undefined) {
        this.out(`  ${this.nodeName(r.nodeID)} failed: ${this.describe(r.error)}`);
        continue;
      }
      level++;
      const update = answered.has(r.nodeID);
      answered.add(r.nodeID);
      if (newest === undefined || newestRead([newest, r.value]) !== newest) {
        newest = r.value;
      }
      const notes = [update ? `a newer write from ${this.nodeName(r.nodeID)}` : `from ${this.nodeName(r.nodeID)}`];
      if (!update && answered.size === quorum) {
        notes.push("a majority");
      }
      this.out(`  level ${level}: ${readText(key, newest)} (${notes.join(", ")})`);
      if (!update && answered.size === config.size) {
        this.out(`  all ${config.size} nodes answered; listening for newer writes until ${seconds(this.correctableMs)} have passed`);
      }
    }
    if (newest === undefined || answered.size < quorum) {
      this.out(`Correctable read failed: ${answered.size} of ${config.size} nodes answered, ${quorum} needed`);
      return;
    }
    this.out(`Correctable read finished: ${readText(key, newest)} (level ${level}: ${level} replies from ${answered.size} of ${config.size} nodes)`);
  }

  private async unicast(command: string, args: string[]): Promise<void> {
    const [indexText, key, value] = expectArgs(command, args, ["node", "key", "value"]);
    const node = this.node(indexText);
    await this.attempt("Unicast write", () => writeUnicast(node.context({ timeoutMs: this.timeoutMs }), { key, value, time: clock.now() }));
    this.out(`Unicast OK (sent to ${this.nodeName(node.id)})`);
  }

  private async multicast(command: string, args: string[]): Promise<void> {
    const [key, value] = expectArgs(command, args, ["key", "value"]);
    const size = this.config.size;
    try {
      await writeMulticast(this.config.context({ timeoutMs: this.timeoutMs }), { key, value, time: clock.now() });
    } catch (err) {
      // Written to some nodes' streams and not to others: say which it missed, and why.
      if (err instanceof QuorumCallError && err.counts !== undefined) {
        const missed = err.nodeErrors.map((e) => `${this.nodeName(e.nodeID)}: ${messageOf(e.error)}`).join("; ");
        throw new UsageError(`Multicast sent to ${err.counts.succeeded} of ${size} nodes; ${missed}`);
      }
      throw new UsageError(`Multicast write failed: ${this.describe(err)}`);
    }
    this.out(`Multicast OK (sent to ${size} ${size === 1 ? "node" : "nodes"})`);
  }

  /** Runs a call; a failure becomes a UsageError "<what> failed: …", printed by `execute`. */
  private async attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new UsageError(`${what} failed: ${this.describe(err)}`);
    }
  }

  /** One line saying what went wrong, naming nodes by the index the user types. */
  private describe(err: unknown): string {
    if (err instanceof QuorumCallError) {
      const nodes = err.nodeErrors.map((e) => `${this.nodeName(e.nodeID)}: ${messageOf(e.error)}`).join("; ");
      return nodes === "" ? err.cause.message : `${err.cause.message} (${nodes})`;
    }
    return messageOf(err);
  }

  private printRead(key: string, reply: ReadResponse): void {
    this.out(readText(key, reply));
  }

  /** Reads every reply of a call (until its deadline): the values and who failed. */
  private async collect<T>(seq: AsyncIterable<{ nodeID: number; value?: T; error?: Error }>): Promise<{ values: T[]; errors: Array<{ nodeID: number; error: Error }> }> {
    const values: T[] = [];
    const errors: Array<{ nodeID: number; error: Error }> = [];
    for await (const r of seq) {
      if (r.error !== undefined) {
        errors.push({ nodeID: r.nodeID, error: r.error });
      } else if (r.value !== undefined) {
        values.push(r.value);
      }
    }
    return { values, errors };
  }

  /** Throws a UsageError (printed by `execute`) unless a majority of the configuration answered. */
  private requireQuorum(what: string, config: Configuration, replies: { values: unknown[]; errors: Array<{ nodeID: number; error: Error }> }): void {
    if (replies.values.length >= majority(config.size)) {
      return;
    }
    const failures = replies.errors.map((e) => `${this.nodeName(e.nodeID)}: ${this.describe(e.error)}`).join("; ");
    throw new UsageError(
      `${what} failed: ${replies.values.length} of ${config.size} nodes answered, ${majority(config.size)} needed${failures === "" ? "" : ` (${failures})`}`,
    );
  }
}

/**
 * The arguments an operation takes, by name; a UsageError with the usage if
 * there are too few or too many (a value with spaces must be quoted).
 */
function expectArgs(op: string, args: string[], names: string[]): string[] {
  const phrase = names.map((n) => `a ${n}`).join(names.length === 2 ? " and " : ", ").replace(/, (a \w+)$/, " and $1");
  const usage = `${op} ${names.map((n) => `<${n}>`).join(" ")}`;
  if (args.length < names.length) {
    throw new UsageError(`'${op}' requires ${phrase}. Usage: ${usage}`);
  }
  if (args.length > names.length) {
    throw new UsageError(`'${op}' takes ${phrase}, but got ${args.length} arguments. Quote values with spaces, like 'bar baz'.`);
  }
  return args;
}

/** "foo = bar", or "foo was not found". */
function readText(key: string, reply: ReadResponse): string {
  return reply.ok ? `${key} = ${reply.value}` : `${key} was not found`;
}

/** "1 replica", "4 replicas". */
function replicas(n: number): string {
  return n === 1 ? "1 replica" : `${n} replicas`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** One line saying what went wrong, without a stack trace. */
export function messageOf(err: unknown): string {
  if (err instanceof QuorumCallError) {
    const nodes = err.nodeErrors.map((e) => `node id ${e.nodeID}: ${e.error.message}`).join("; ");
    return nodes === "" ? err.cause.message : `${err.cause.message} (${nodes})`;
  }
  if (err instanceof Error) {
    return err.message.split("\n")[0] ?? err.message;
  }
  return String(err);
}
