import { type Timestamp, timestampNow } from "@bufbuild/protobuf/wkt";
import type { ReadRequest, ReadResponse, WriteRequest } from "./gen/storage/storage_pb.js";

interface Entry {
  readonly value: string;
  readonly time: Timestamp;
}

/** One replica's state: the newest write per key (last writer wins by timestamp). */
export class StorageReplica {
  private readonly entries = new Map<string, Entry>();

  /** The key's value and write time, or ok=false. */
  read(req: ReadRequest): Pick<ReadResponse, "ok" | "value" | "time"> {
    const entry = this.entries.get(req.key);
    return entry === undefined ? { ok: false, value: "", time: undefined } : { ok: true, value: entry.value, time: entry.time };
  }

  /** Stores the value if it is newer than the one held; returns whether it was. */
  write(req: WriteRequest): { new: boolean } {
    const time = req.time ?? timestampNow();
    const held = this.entries.get(req.key);
    if (held !== undefined && !isNewer(time, held.time)) {
      return { new: false };
    }
    this.entries.set(req.key, { value: req.value, time });
    return { new: true };
  }
}

/** Whether timestamp a is later than b. */
export function isNewer(a: Timestamp | undefined, b: Timestamp | undefined): boolean {
  if (a === undefined) {
    return false;
  }
  if (b === undefined) {
    return true;
  }
  return a.seconds === b.seconds ? a.nanos > b.nanos : a.seconds > b.seconds;
}
