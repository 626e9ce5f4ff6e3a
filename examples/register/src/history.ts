// A client's history of operations, as JSON lines in the format that
// faults/checker reads: one line when an operation is invoked, one when it
// completes, with the same id.
//
//   {"type":"invoke","id":"p1-7","process":1,"f":"write","value":"p1-7","time":123}
//   {"type":"ok","id":"p1-7","process":1,"f":"write","time":456}
//
// A completion is "ok" (a read's value is what it returned), "fail" (the
// operation surely took no effect) or "info" (unknown: a write that timed
// out in its second phase may still take effect). time is in nanoseconds of
// CLOCK_MONOTONIC (process.hrtime), common to every process of the machine,
// so the histories of several client processes merge.
import { closeSync, openSync, writeSync } from "node:fs";
import { AbdError } from "./abd-client.js";

/** The kind of a history line. */
export type EventType = "invoke" | "ok" | "fail" | "info";

/** An operation on the register. */
export type OpName = "read" | "write";

/** One JSON line of a history. */
export interface HistoryEvent {
  type: EventType;
  id: string;
  process: number;
  f: OpName;
  /** A write's value (on its invocation), a read's result (on its "ok"). */
  value?: string;
  /** Nanoseconds of CLOCK_MONOTONIC. */
  time: bigint;
}

/** The line of an event: JSON, with the time as an exact integer. */
export function formatEvent(e: HistoryEvent): string {
  const value = e.value === undefined ? "" : `,"value":${JSON.stringify(e.value)}`;
  return `{"type":"${e.type}","id":${JSON.stringify(e.id)},"process":${e.process},"f":"${e.f}"${value},"time":${e.time}}`;
}

/** Where a history goes: a file appended to line by line, or nowhere. */
export interface HistorySink {
  append(e: HistoryEvent): void;
  close(): void;
}

/** A JSON-lines file, opened for appending (several writers may share it: each line is one write). */
export class HistoryFile implements HistorySink {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, "a");
  }

  append(e: HistoryEvent): void {
    if (this.fd !== undefined) {
      writeSync(this.fd, `${formatEvent(e)}\n`);
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** How an operation ended, as recorded. */
export interface Outcome {
  type: Exclude<EventType, "invoke">;
  /** A read's value when "ok". */
  value?: string;
  error?: unknown;
}

/** Records the operations of one process (a client) in a sink. */
export class History {
  private next = 1;

  constructor(
    readonly process: number,
    private readonly sink: HistorySink,
  ) {}

  /**
   * Runs an operation and records its invocation and completion: "ok" with
   * a read's value; on an AbdError "fail" if it surely took no effect, else
   * "info"; "info" on any other error. Resolves with the outcome, never rejects.
   */
  async record(f: OpName, value: string | undefined, run: () => Promise<string | void>): Promise<Outcome & { id: string }> {
    const id = `p${this.process}-${this.next++}`;
    this.sink.append({ type: "invoke", id, process: this.process, f, ...(f === "write" ? { value: value ?? "" } : {}), time: process.hrtime.bigint() });
    let outcome: Outcome;
    try {
      const result = await run();
      outcome = f === "read" ? { type: "ok", value: result ?? "" } : { type: "ok" };
    } catch (err) {
      outcome = { type: err instanceof AbdError && !err.maybeApplied ? "fail" : "info", error: err };
    }
    this.sink.append({ type: outcome.type, id, process: this.process, f, ...(outcome.value !== undefined ? { value: outcome.value } : {}), time: process.hrtime.bigint() });
    return { ...outcome, id };
  }

  /** The id the next operation gets. */
  get nextId(): string {
    return `p${this.process}-${this.next}`;
  }
}
