// Timestamps for last-writer-wins: a monotonic clock for writers and the
// order in which replicas compare writes.
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";

const NANOS_PER_SECOND = 1_000_000_000n;

/** A timestamp in nanoseconds since the Unix epoch. */
export function toNanos(t: Timestamp): bigint {
  return t.seconds * NANOS_PER_SECOND + BigInt(t.nanos);
}

/** The timestamp of `ns` nanoseconds since the Unix epoch. */
export function fromNanos(ns: bigint): Timestamp {
  return create(TimestampSchema, { seconds: ns / NANOS_PER_SECOND, nanos: Number(ns % NANOS_PER_SECOND) });
}

/** Orders timestamps: negative if a is earlier than b, 0 if equal, positive if later. A missing timestamp is the earliest. */
export function compareTimestamps(a: Timestamp | undefined, b: Timestamp | undefined): number {
  const na = a === undefined ? -1n : toNanos(a);
  const nb = b === undefined ? -1n : toNanos(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * A clock whose timestamps strictly increase: the wall clock, or one
 * nanosecond after the previous timestamp when the wall clock has not moved
 * on (Date.now() has millisecond resolution, and two writes in one
 * millisecond must not carry the same time).
 */
export class MonotonicClock {
  private last = 0n;

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** The next timestamp. */
  now(): Timestamp {
    let ns = BigInt(Math.floor(this.nowMs())) * 1_000_000n;
    if (ns <= this.last) {
      ns = this.last + 1n;
    }
    this.last = ns;
    return fromNanos(ns);
  }
}

/** This process's clock: every write a client of this process makes is stamped with it. */
export const clock = new MonotonicClock();
