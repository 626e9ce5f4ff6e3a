// Stable storage for a replica: what Paxos requires to survive a crash (the
// acceptor's promise and accepted entries, and the highest ballot the
// proposer used), as an append-only file of JSON lines, each fsynced before
// the write returns.
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { ballot, compareBallots, maxBallot, ZERO_BALLOT } from "./ballot.js";
import { type AcceptedEntry, AcceptedEntrySchema, type Ballot, CommandSchema } from "./gen/paxos/paxos_pb.js";

/**
 * Where the acceptor and the proposer record what they must not forget.
 * Every method returns only once the record is on stable storage: a caller
 * that replies (or sends) after it can never be contradicted by its own
 * restarted self.
 */
export interface StableStorage {
  /** The acceptor promised `b` (phase 1b). */
  promise(b: Ballot): void;
  /** The acceptor accepted `entry` (phase 2b); this also promises its ballot. */
  accept(entry: AcceptedEntry): void;
  /** The proposer is about to send Prepare for `b`; it must never use `b` or a lower ballot again. */
  propose(b: Ballot): void;
}

/** What a replica finds on stable storage when it starts: all that `StableStorage` recorded. */
export interface StableState {
  /** The highest ballot the acceptor promised or accepted. */
  promised: Ballot;
  /** Per slot, the entry the acceptor accepted in the highest ballot. */
  accepted: Map<number, AcceptedEntry>;
  /** The highest ballot the proposer sent a Prepare for (or was about to). */
  proposed: Ballot;
}

/** The state of a replica that never ran. */
export function emptyState(): StableState {
  return { promised: ZERO_BALLOT, accepted: new Map(), proposed: ZERO_BALLOT };
}

/** The name of the log file in a state directory. */
export const STATE_FILE = "paxos-state.jsonl";

/**
 * One line of the log. Ballots are [round, node]; a no-op command has id "".
 * - `{"t":"promise","b":[3,2]}`
 * - `{"t":"accept","s":7,"b":[3,2],"id":"c1.4","op":"x=14"}`
 * - `{"t":"propose","b":[4,2]}`
 */
type StateRecord =
  | { t: "promise"; b: [number, number] }
  | { t: "accept"; s: number; b: [number, number]; id: string; op: string }
  | { t: "propose"; b: [number, number] };

/**
 * Stable storage in a directory: one append-only file of JSON lines
 * (`paxos-state.jsonl`), each written with one write and fsynced before the
 * call returns. The handlers that call it are synchronous, so a Prepare or
 * Accept reply is built, and leaves, only after its record is durable.
 *
 * Reading it back (`open`) folds the lines into a `StableState`. A process
 * killed in the middle of a write leaves at most a partial last line with no
 * newline: that record was never acknowledged (its fsync had not returned,
 * so no reply went out), and it is dropped and cut off the file. Any other
 * line that does not parse is real corruption and `open` throws. The file
 * is never compacted: an example run writes thousands of lines, not millions.
 */
export class FileStorage implements StableStorage {
  private constructor(
    private fd: number,
    /** The file's path. */
    readonly path: string,
    /** What the file held when it was opened. */
    readonly restored: StableState,
    /** Bytes of a torn last line that `open` dropped (0 if the file ended cleanly). */
    readonly droppedBytes: number,
    /** Complete records read at open. */
    readonly records: number,
  ) {}

  /** Opens (creating if needed) the state in `dir`, reading back what an earlier run recorded. */
  static open(dir: string): FileStorage {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, STATE_FILE);
    const fd = openSync(path, "a+");
    try {
      const text = readFileSync(fd, "utf8");
      const end = text.lastIndexOf("\n") + 1; // just past the last complete line
      const state = emptyState();
      let records = 0;
      const lines = text.slice(0, end).split("\n");
      lines.pop(); // "" after the last newline
      for (const [i, line] of lines.entries()) {
        apply(state, parseRecord(line, path, i + 1));
        records++;
      }
      const dropped = Buffer.byteLength(text.slice(end));
      if (dropped > 0) {
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
        fsyncSync(fd);
      }
      syncDirectory(dir); // the file's own directory entry, for a file just created
      return new FileStorage(fd, path, state, dropped, records);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  promise(b: Ballot): void {
    this.append({ t: "promise", b: pair(b) });
  }

  accept(entry: AcceptedEntry): void {
    this.append({ t: "accept", s: entry.slot, b: pair(entry.ballot), id: entry.command?.id ?? "", op: entry.command?.op ?? "" });
  }

  propose(b: Ballot): void {
    this.append({ t: "propose", b: pair(b) });
  }

  /** Closes the file; later writes throw. */
  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  private append(record: StateRecord): void {
    if (this.fd < 0) {
      throw new Error("paxos: stable storage is closed");
    }
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
    let off = 0;
    while (off < bytes.length) {
      off += writeSync(this.fd, bytes, off, bytes.length - off);
    }
    fsyncSync(this.fd);
  }
}

/** Folds one record into the state. */
function apply(state: StableState, r: StateRecord): void {
  const b = ballot(r.b[0], r.b[1]);
  switch (r.t) {
    case "promise":
      state.promised = maxBallot(state.promised, b);
      break;
    case "accept": {
      state.promised = maxBallot(state.promised, b);
      const known = state.accepted.get(r.s);
      // Accepts of one slot are appended in ballot order; keep the highest anyway.
      if (known === undefined || compareBallots(b, known.ballot) >= 0) {
        state.accepted.set(r.s, create(AcceptedEntrySchema, { slot: r.s, ballot: b, command: create(CommandSchema, { id: r.id, op: r.op }) }));
      }
      break;
    }
    case "propose":
      state.proposed = maxBallot(state.proposed, b);
      break;
  }
}

function parseRecord(line: string, path: string, lineNo: number): StateRecord {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    throw new Error(`paxos: ${path} line ${lineNo} is corrupt: ${line.slice(0, 80)}`);
  }
  if (isRecord(r)) {
    return r;
  }
  throw new Error(`paxos: ${path} line ${lineNo} is not a state record: ${line.slice(0, 80)}`);
}

function isRecord(r: unknown): r is StateRecord {
  if (typeof r !== "object" || r === null) {
    return false;
  }
  const o = r as { t?: unknown; b?: unknown; s?: unknown; id?: unknown; op?: unknown };
  const ballotOk = Array.isArray(o.b) && o.b.length === 2 && o.b.every((x) => Number.isInteger(x) && (x as number) >= 0);
  if (!ballotOk) {
    return false;
  }
  if (o.t === "promise" || o.t === "propose") {
    return true;
  }
  return o.t === "accept" && Number.isInteger(o.s) && (o.s as number) >= 0 && typeof o.id === "string" && typeof o.op === "string";
}

function pair(b: Ballot | undefined): [number, number] {
  const x = b ?? ZERO_BALLOT;
  return [x.round, x.node];
}

/** fsyncs a directory, so that a file created in it survives a crash of the machine too. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Not every platform can open or fsync a directory; a process crash does not need it.
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
    }
  }
}
