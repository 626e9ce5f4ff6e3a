// A replica's durable state: its one timestamped value, in DIR/register.json,
// replaced atomically (write a temporary file, fsync it, rename it over the
// old one, fsync the directory) before the replica answers a Write that
// changed it. A replica restarted after kill -9 reads it back, so it never
// answers with an older value than one it acknowledged.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "./gen/register/register_pb.js";
import { ZERO_TIMESTAMP } from "./timestamp.js";

/** A replica's value and the timestamp it was written with. */
export interface StoredValue {
  ts: Timestamp;
  value: string;
}

/** The register's file in a state directory. */
export class StateFile {
  /** The file's path. */
  readonly path: string;

  /** Opens (creating the directory if need be) the state of `dir`. */
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, "register.json");
  }

  /** What the file holds: the initial value "" with the zero timestamp if there is no file. Throws on a corrupt file. */
  load(): StoredValue {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return { ts: ZERO_TIMESTAMP, value: "" };
      }
      throw err;
    }
    const data = JSON.parse(text) as { counter?: unknown; writer?: unknown; value?: unknown };
    if (typeof data.counter !== "string" || !/^\d+$/.test(data.counter) || typeof data.writer !== "number" || typeof data.value !== "string") {
      throw new Error(`${this.path}: not a register state: ${text.slice(0, 200)}`);
    }
    return { ts: create(TimestampSchema, { counter: BigInt(data.counter), writer: data.writer }), value: data.value };
  }

  /** Replaces the state durably: it is on disk when this returns. */
  save(v: StoredValue): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, JSON.stringify({ counter: v.ts.counter.toString(), writer: v.ts.writer, value: v.value }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dirFd = openSync(this.dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
