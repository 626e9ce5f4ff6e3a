// One storage replica's state: the newest write per key, last writer wins.
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { clock, compareTimestamps } from "./timestamps.js";

/** A key's value and the time it was written. */
export interface Entry {
  readonly value: string;
  readonly time: Timestamp;
}

/** What a read returns: the entry, or ok=false if the key was never written. */
export interface ReadResult {
  readonly ok: boolean;
  readonly value: string;
  readonly time?: Timestamp;
}

/** A write: key, value and the writer's timestamp (the replica's clock if missing). */
export interface WriteInput {
  readonly key: string;
  readonly value: string;
  readonly time?: Timestamp | undefined;
}

/**
 * Last-writer-wins order of two writes: by timestamp, and for equal
 * timestamps by value (the greater string wins), so that replicas that see
 * the same writes in any order end up holding the same one. Negative if a
 * loses to b, 0 if they are the same write, positive if a wins.
 */
export function compareWrites(a: Entry, b: Entry): number {
  const byTime = compareTimestamps(a.time, b.time);
  if (byTime !== 0) {
    return byTime;
  }
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/**
 * A replica's key-value state. A write replaces the held entry only if it
 * wins by `compareWrites`; a write the replica already holds, or an older
 * one, is refused (`new: false`). Listeners registered with `watch` hear
 * about every accepted write of their key.
 */
export class StorageReplica {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Map<string, Set<(entry: Entry) => void>>();

  /** The key's value and write time, or ok=false. */
  read(key: string): ReadResult {
    const entry = this.entries.get(key);
    return entry === undefined ? { ok: false, value: "" } : { ok: true, value: entry.value, time: entry.time };
  }

  /** Stores the write if it is newer than what the replica holds; returns whether it was. */
  write(req: WriteInput): { new: boolean } {
    const entry: Entry = { value: req.value, time: req.time ?? clock.now() };
    const held = this.entries.get(req.key);
    if (held !== undefined && compareWrites(entry, held) <= 0) {
      return { new: false };
    }
    this.entries.set(req.key, entry);
    for (const listener of this.watchers.get(req.key) ?? []) {
      listener(entry);
    }
    return { new: true };
  }

  /** Calls `listener` with every accepted write of `key` until the returned function is called. */
  watch(key: string, listener: (entry: Entry) => void): () => void {
    let set = this.watchers.get(key);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.watchers.get(key) === set) {
        this.watchers.delete(key);
      }
    };
  }

  /** The keys held, sorted. */
  keys(): string[] {
    return [...this.entries.keys()].sort();
  }
}
