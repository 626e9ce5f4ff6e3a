// The `client` subcommand: a key-value client whose puts and gets go through
// the log (Submit), following the leader, recording each command in a
// history when asked to.
import { create } from "@bufbuild/protobuf";
import { type Configuration, newConfig, withNodes } from "@gorums/runtime";
import type { KvClientCommand } from "./cli.js";
import { submit } from "./gen/paxos/paxos_gorums.js";
import { CommandSchema } from "./gen/paxos/paxos_pb.js";
import { formatOp, type KvCommand } from "./kv-command.js";
import { KvHistory } from "./kv-history.js";

/** The line a client prints when it starts its commands: `client <id> ready`. */
export const KV_CLIENT_READY_LINE = /^client (\d+) ready/;

/**
 * The summary line of random commands: `client <id>: <n> commands: <ok> ok,
 * <info> unknown`, followed by one line per reason a Submit failed,
 * `  <count> x <message with numbers as N>`, most frequent first.
 */
export const KV_CLIENT_SUMMARY_LINE = /^client (\d+): (\d+) commands: (\d+) ok, (\d+) unknown/;

/** After a failed Submit, this long before the next replica is tried. */
export const RETRY_PAUSE_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Submits to one replica after another, starting with the one that decided
 * this client's last command (the leader, as its answer's ballot names it),
 * moving to the next one (in ID order) after a failure.
 */
class LeaderFollower {
  private readonly ids: number[];
  private target: number;
  /** Why Submits failed, numbers as N, with counts. */
  readonly failures = new Map<string, number>();

  constructor(
    private readonly config: Configuration,
    replicas: ReadonlyMap<number, string>,
    private readonly timeoutMs: number,
    private readonly deadlineMs: number,
  ) {
    this.ids = [...replicas.keys()].sort((a, b) => a - b);
    this.target = this.ids[0] as number;
  }

  /** Submits the command, the same one again after each failure, until the deadline; resolves with its result. */
  async submit(id: string, command: KvCommand): Promise<string> {
    const deadline = performance.now() + this.deadlineMs;
    const msg = { command: create(CommandSchema, { id, op: formatOp(command) }) };
    let last = "no try";
    for (let left = this.deadlineMs; left > 0; left = deadline - performance.now()) {
      try {
        const reply = await submit(this.config.node(this.target)!.context({ timeoutMs: Math.min(this.timeoutMs, left) }), msg);
        const leader = reply.ballot?.node;
        if (leader !== undefined && this.ids.includes(leader)) {
          this.target = leader;
        }
        return reply.result;
      } catch (err) {
        last = `replica ${this.target}: ${err instanceof Error ? err.message : String(err)}`;
        const why = last.replace(/\d+/g, "N");
        this.failures.set(why, (this.failures.get(why) ?? 0) + 1);
        this.target = this.ids[(this.ids.indexOf(this.target) + 1) % this.ids.length] as number;
        await sleep(RETRY_PAUSE_MS);
      }
    }
    throw new Error(`no answer within ${this.deadlineMs} ms (last: ${last})`);
  }
}

/** Runs the client; resolves with the exit code (1 if a command of the command line got no answer). */
export async function runKvClient(cmd: KvClientCommand): Promise<number> {
  const keepalive = cmd.keepaliveMs === undefined ? {} : { keepalive: { intervalMs: cmd.keepaliveMs, timeoutMs: cmd.keepaliveMs } };
  const config = newConfig(withNodes(cmd.replicas), keepalive);
  const history = new KvHistory(cmd.id, cmd.history);
  const replicas = new LeaderFollower(config, cmd.replicas, cmd.timeoutMs, cmd.deadlineMs);
  const run = (c: KvCommand) => history.record(c, (id) => replicas.submit(id, c));
  console.log(`client ${cmd.id} ready`);
  try {
    if (cmd.durationMs === undefined) {
      let unanswered = 0;
      for (const c of cmd.ops) {
        const o = await run(c);
        if (o.type === "ok") {
          console.log(`${o.id} ${formatOp(c)} -> ${JSON.stringify(o.result)}`);
        } else {
          unanswered++;
          console.log(`${o.id} ${formatOp(c)}: unknown (${o.error instanceof Error ? o.error.message : String(o.error)})`);
        }
      }
      return unanswered > 0 ? 1 : 0;
    }
    const counts = { ok: 0, info: 0 };
    for (const end = performance.now() + cmd.durationMs; performance.now() < end; ) {
      const key = `k${1 + Math.floor(Math.random() * cmd.keys)}`;
      const c: KvCommand = Math.random() * 100 < cmd.getPercent ? { kind: "get", key } : { kind: "put", key, value: history.nextId };
      counts[(await run(c)).type]++;
    }
    console.log(`client ${cmd.id}: ${counts.ok + counts.info} commands: ${counts.ok} ok, ${counts.info} unknown`);
    for (const [why, n] of [...replicas.failures].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${n} x ${why}`);
    }
    return 0;
  } finally {
    await config.close();
  }
}
