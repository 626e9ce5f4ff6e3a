// A key-value client's history: one JSON line when a command is invoked and
// one when it completes, with the same id, in the format faults/checker
// reads with -model kv:
//
//   {"type":"invoke","id":"p1-7","process":1,"f":"put","key":"k2","value":"p1-7","time":123}
//   {"type":"ok","id":"p1-7","process":1,"f":"put","value":"p3-2","time":456}
//
// A completion is "ok" (the value is the result: a get's value, a put's
// previous value) or "info" (no answer by the deadline: the command may
// still be decided, at any later time). time is in nanoseconds of
// CLOCK_MONOTONIC (process.hrtime), common to every process of the machine,
// so the histories of several clients merge.
import { appendFileSync } from "node:fs";
import type { KvCommand } from "./kv-command.js";

/** One JSON line of a history. */
export interface KvEvent {
  type: "invoke" | "ok" | "info";
  id: string;
  process: number;
  f: "put" | "get";
  /** On an invocation. */
  key?: string;
  /** A put's value on its invocation; the result on an "ok". */
  value?: string;
  /** Nanoseconds of CLOCK_MONOTONIC. */
  time: bigint;
}

/** The line of an event: JSON, with the time as an exact integer. */
export function formatKvEvent(e: KvEvent): string {
  const key = e.key === undefined ? "" : `,"key":${JSON.stringify(e.key)}`;
  const value = e.value === undefined ? "" : `,"value":${JSON.stringify(e.value)}`;
  return `{"type":"${e.type}","id":${JSON.stringify(e.id)},"process":${e.process},"f":"${e.f}"${key}${value},"time":${e.time}}`;
}

/** How a command ended. */
export type KvOutcome = { type: "ok"; id: string; result: string } | { type: "info"; id: string; error: unknown };

/** Records the commands of one client (a process) in a JSON-lines file, or nowhere. */
export class KvHistory {
  private next = 1;

  constructor(
    readonly process: number,
    /** The file appended to, a line per event (several writers may share it); undefined: none. */
    readonly path: string | undefined,
  ) {}

  /** The id the next command gets: `p<process>-<n>`. */
  get nextId(): string {
    return `p${this.process}-${this.next}`;
  }

  /**
   * Runs a command, given its id, and records its invocation and its
   * completion: "ok" with the result, "info" if `run` rejects. Resolves
   * with the outcome, never rejects.
   */
  async record(command: KvCommand, run: (id: string) => Promise<string>): Promise<KvOutcome> {
    const id = this.nextId;
    this.next++;
    const f = command.kind;
    this.append({ type: "invoke", id, process: this.process, f, key: command.key, ...(command.kind === "put" ? { value: command.value } : {}), time: process.hrtime.bigint() });
    let outcome: KvOutcome;
    try {
      outcome = { type: "ok", id, result: await run(id) };
    } catch (error) {
      outcome = { type: "info", id, error };
    }
    this.append({ type: outcome.type, id, process: this.process, f, ...(outcome.type === "ok" ? { value: outcome.result } : {}), time: process.hrtime.bigint() });
    return outcome;
  }

  private append(e: KvEvent): void {
    if (this.path !== undefined) {
      appendFileSync(this.path, `${formatKvEvent(e)}\n`);
    }
  }
}
