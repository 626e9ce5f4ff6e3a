// How replies of several replicas combine into one answer.
import type { ReadResponse } from "./gen/storage/storage_pb.js";
import { compareTimestamps } from "./timestamps.js";

/** The majority of n: ⌊n/2⌋+1. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The newest of some read replies: the one written last (a reply with
 * ok=false holds nothing and loses to any that holds a value). Ties go to
 * the greater value, as on the replicas. Undefined for no replies.
 */
export function newestRead(replies: Iterable<ReadResponse>): ReadResponse | undefined {
  let newest: ReadResponse | undefined;
  for (const r of replies) {
    if (newest === undefined || isNewerRead(r, newest)) {
      newest = r;
    }
  }
  return newest;
}

/** Whether read reply a holds a newer write than b. */
export function isNewerRead(a: ReadResponse, b: ReadResponse): boolean {
  if (!a.ok || !b.ok) {
    return a.ok && !b.ok;
  }
  const byTime = compareTimestamps(a.time, b.time);
  return byTime > 0 || (byTime === 0 && a.value > b.value);
}
