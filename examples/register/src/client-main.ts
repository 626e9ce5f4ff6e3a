// The `client` subcommand: a client of the register, with a configuration of
// every replica (newConfig), running the operations of the command line one
// after the other or random ones for a while, and recording each in a
// history when asked to.
import { newConfig, withNodes } from "@gorums/runtime";
import { AbdClient } from "./abd-client.js";
import type { ClientCommand, Op } from "./cli.js";
import { History, HistoryFile, type HistorySink } from "./history.js";

/** The line a client prints when it starts its operations: `client <id> ready`. */
export const CLIENT_READY_LINE = /^client (\d+) ready/;

/**
 * The summary line of random operations: `client <id>: <n> operations: <ok>
 * ok, <fail> failed, <info> unknown`, followed by one line per reason of
 * failure, `  <count> x <message with numbers as N>`, most frequent first.
 */
export const CLIENT_SUMMARY_LINE = /^client (\d+): (\d+) operations: (\d+) ok, (\d+) failed, (\d+) unknown/;

/** Random operations pause this long after a failed one. */
export const FAILURE_PAUSE_MS = 50;

const NO_HISTORY: HistorySink = { append: () => {}, close: () => {} };

/** Runs the client; resolves with the exit code (1 if an operation of the command line failed). */
export async function runClient(cmd: ClientCommand): Promise<number> {
  const keepalive = cmd.keepaliveMs === undefined ? {} : { keepalive: { intervalMs: cmd.keepaliveMs, timeoutMs: cmd.keepaliveMs } };
  const config = newConfig(withNodes(cmd.replicas), {
    ...keepalive,
    ...(cmd.connectTimeoutMs !== undefined ? { connectTimeoutMs: cmd.connectTimeoutMs } : {}),
  });
  const sink = cmd.history === undefined ? NO_HISTORY : new HistoryFile(cmd.history);
  const history = new History(cmd.id, sink);
  const client = new AbdClient(config, { id: cmd.id, writeBack: cmd.writeBack, timeoutMs: cmd.timeoutMs });
  const first = Math.min(...cmd.replicas.keys());
  const slow = cmd.slowWriteMs > 0 ? { first, wait: () => new Promise<void>((resolve) => setTimeout(resolve, cmd.slowWriteMs)) } : undefined;
  const run = (op: Op) => history.record(op.f, op.f === "write" ? op.value : undefined, () => (op.f === "read" ? client.read() : client.write(op.value, slow)));
  console.log(`client ${cmd.id} ready`);
  let failed = 0;
  try {
    if (cmd.durationMs === undefined) {
      for (const op of cmd.ops) {
        const o = await run(op);
        const what = op.f === "read" ? "read" : `write ${JSON.stringify(op.value)}`;
        if (o.type === "ok") {
          console.log(`${o.id} ${what}${op.f === "read" ? ` -> ${JSON.stringify(o.value)}` : ": ok"}`);
        } else {
          failed++;
          console.log(`${o.id} ${what}: ${o.type === "fail" ? "failed" : "unknown"} (${o.error instanceof Error ? o.error.message : String(o.error)})`);
        }
      }
      return failed > 0 ? 1 : 0;
    }
    const counts = { ok: 0, fail: 0, info: 0 };
    const reasons = new Map<string, number>();
    const end = performance.now() + cmd.durationMs;
    while (performance.now() < end) {
      const op: Op = Math.random() * 100 < cmd.readPercent ? { f: "read" } : { f: "write", value: history.nextId };
      const o = await run(op);
      counts[o.type]++;
      if (o.error !== undefined) {
        // The reason without node IDs and counts, so that like failures add up.
        const why = (o.error instanceof Error ? o.error.message : String(o.error)).replace(/\d+/g, "N");
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      }
      // After a failure, a pause: calls to unreachable replicas fail at once, and a client should not spin.
      const pause = o.type === "ok" ? cmd.pauseMs : Math.max(cmd.pauseMs, FAILURE_PAUSE_MS);
      if (pause > 0) {
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
    console.log(`client ${cmd.id}: ${counts.ok + counts.fail + counts.info} operations: ${counts.ok} ok, ${counts.fail} failed, ${counts.info} unknown`);
    for (const [why, n] of [...reasons].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${n} x ${why}`);
    }
    return 0;
  } finally {
    sink.close();
    await config.close();
  }
}
