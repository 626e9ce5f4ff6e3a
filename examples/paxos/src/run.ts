// The full run: N replicas in this process (each a System on its own port),
// the clients in a child process, then the logs, their agreement and the
// TCP connection count.
import { fork } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { newLocalSystems } from "@gorums/runtime";
import { formatBallot } from "./ballot.js";
import { commandFor } from "./clients.js";
import { describe, type LogEntry } from "./learner.js";
import { Replica } from "./replica.js";
import { connectionsAmong } from "./tcp-connections.js";

/** What to run. */
export interface RunOptions {
  replicas: number;
  clients: number;
  commands: number;
  log: (line: string) => void;
  /** Aborts the run (Ctrl-C): the client process is killed and the replicas stopped. */
  signal?: AbortSignal;
}

/** Runs everything; resolves once the logs agree, rejects otherwise. */
export async function runPaxos(opts: RunOptions): Promise<void> {
  const { log } = opts;
  const n = opts.replicas;
  const mesh = await newLocalSystems(n);
  const replicas = mesh.systems.map((system) => new Replica(system, { n }));
  try {
    log(`Multi-Paxos replicated log on ${plural(n, "replica")}, each a symmetric gorums System on its own port:`);
    for (const r of replicas) {
      log(`  replica ${r.id} listens on ${r.system.addr}`);
    }
    try {
      await Promise.all(mesh.systems.map((s) => s.waitForConfig((c) => c.size === n, { signal: withTimeout(opts.signal, 10_000) })));
    } catch (err) {
      opts.signal?.throwIfAborted();
      throw new Error(`the replicas did not all connect to each other within 10 s (${err instanceof Error ? err.message : String(err)})`);
    }
    log(`every replica's inboundConfig() holds all ${n} replicas (itself included): Prepare and Accept are quorum calls over it, Learn a multicast`);

    const total = opts.clients * opts.commands;
    log("");
    log(`${plural(opts.clients, "client")} (in a separate process) submit ${plural(opts.commands, "command")} each, all at once, to different replicas:`);
    await runClientProcess(
      mesh.systems.map((s) => `${s.myID}=${s.addr}`).join(","),
      opts,
    );

    // Submit answered once a command was decided at the replica that proposed it; the others learn by multicast.
    const ids = Array.from({ length: opts.clients }, (_, c) => Array.from({ length: opts.commands }, (_, k) => commandFor(c + 1, k + 1).id)).flat();
    await waitUntil(
      () => {
        const top = Math.max(...replicas.map((r) => r.learner.decidedSlots));
        return replicas.every((r) => r.learner.firstUndecided === top && ids.every((id) => r.learner.applied(id)));
      },
      10_000,
      opts.signal,
      () => `not every replica applied all ${total} commands: ${replicas.map((r) => `replica ${r.id} has ${r.learner.appliedCommands}`).join(", ")}`,
    );

    log("");
    log("decided log of each replica (slot by slot):");
    const logs = replicas.map((r) => r.learner.log());
    printLogs(log, replicas.map((r) => r.id), logs);

    const states = replicas.map((r) => [...r.learner.state].sort().map(([k, v]) => `${k}=${v}`).join(" "));
    const agree = logs.every((l) => sameLog(l, logs[0] ?? [])) && states.every((st) => st === states[0]);
    const conflicts = replicas.flatMap((r) => r.learner.conflicts.map((c) => `replica ${r.id}: ${c}`));
    log("");
    if (!agree || conflicts.length > 0) {
      for (const c of conflicts) {
        log(`CONFLICT ${c}`);
      }
      throw new Error("the replicas disagree: their logs or states differ");
    }
    const slots = logs[0]?.length ?? 0;
    const extra = slots - total;
    log(`all ${plural(n, "replica")} agree: the same ${plural(slots, "slot")}, holding all ${plural(total, "command")}${extra > 0 ? ` (+${extra} no-op or duplicate, skipped when applied)` : ""}`);
    log(`state after applying the log, the same on every replica: ${states[0] ?? ""}`);

    log("");
    log("contention, resolved by ballots (adopted: a value another proposer left accepted, proposed again):");
    for (const r of replicas) {
      const s = r.stats;
      log(
        `  replica ${r.id}: phase 1 in ${plural(s.prepares, "ballot")}, won ${s.ledBallots}; lost the lead ${plural(s.preempted, "time")}; decided ${plural(s.decided, "slot")} (${s.adopted} adopted, ${plural(s.noops, "no-op")})`,
      );
    }

    log("");
    const ports = mesh.systems.map((s) => Number.parseInt(s.addr.slice(s.addr.lastIndexOf(":") + 1), 10));
    const want = (n * (n - 1)) / 2;
    // Two replicas that dial each other at once keep one of the two connections; the other closes shortly.
    let count = connectionsAmong(ports);
    for (let i = 0; count !== undefined && count > want && i < 40; i++) {
      await sleep(50);
      count = connectionsAmong(ports);
    }
    if (count === undefined) {
      log(`TCP connections among the replicas: cannot count here (no /proc/net/tcp); expected N(N-1)/2 = ${want}`);
    } else {
      log(`TCP connections among the ${plural(n, "replica")} (counted in /proc/net/tcp): ${count}; N(N-1)/2 = ${want}: one connection per pair of replicas`);
      if (count !== want) {
        throw new Error(`expected ${want} TCP connections among the replicas, found ${count}`);
      }
    }
  } finally {
    await mesh.stop();
  }
}

/** Starts `main.js clients …`, forwards its output, resolves when it exits 0. */
function runClientProcess(replicaList: string, opts: RunOptions): Promise<void> {
  const main = fileURLToPath(new URL("./main.js", import.meta.url));
  const child = fork(main, ["clients", "--replicas", replicaList, "--clients", String(opts.clients), "--commands", String(opts.commands)], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => opts.log(line));
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const kill = () => child.kill();
  opts.signal?.addEventListener("abort", kill, { once: true });
  process.once("exit", kill);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, sig) => {
      opts.signal?.removeEventListener("abort", kill);
      process.removeListener("exit", kill);
      lines.close();
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`the client process failed (${sig ?? `exit code ${code}`})${stderr.trim() !== "" ? `: ${stderr.trim()}` : ""}`));
      }
    });
  });
}

/** One row per slot, one column per replica. */
function printLogs(log: (line: string) => void, ids: number[], logs: LogEntry[][]): void {
  const text = (e: LogEntry) => (e.duplicateOf !== undefined ? `${e.command.id} (dup)` : describe(e.command));
  const width = Math.max(12, ...logs.flat().map((e) => text(e).length + 2));
  log(`  slot  ${ids.map((id) => `replica ${id}`.padEnd(width)).join("")}decided in`);
  const slots = Math.max(0, ...logs.map((l) => l.length));
  for (let slot = 0; slot < slots; slot++) {
    const cells = logs.map((l) => {
      const e = l[slot];
      if (e === undefined) {
        return "(missing)".padEnd(width);
      }
      return text(e).padEnd(width);
    });
    const ballot = logs[0]?.[slot]?.ballot;
    log(`  ${String(slot).padStart(4)}  ${cells.join("")}ballot ${formatBallot(ballot)}`);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function sameLog(a: LogEntry[], b: LogEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.command.id === b[i]?.command.id && e.command.op === b[i]?.command.op);
}

async function waitUntil(cond: () => boolean, ms: number, signal: AbortSignal | undefined, why: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    signal?.throwIfAborted();
    if (Date.now() > deadline) {
      throw new Error(why());
    }
    await sleep(10);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
}
