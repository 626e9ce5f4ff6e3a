// Timestamps of the register's writes: (counter, writer), compared by
// counter, then by writer ID.
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "./gen/register/register_pb.js";

/** The timestamp of the initial value "": below every write's. */
export const ZERO_TIMESTAMP: Timestamp = create(TimestampSchema, { counter: 0n, writer: 0 });

/** Negative if a is older than b, 0 if equal, positive if newer; a missing timestamp is the zero one. */
export function compareTimestamps(a: Timestamp | undefined, b: Timestamp | undefined): number {
  const x = a ?? ZERO_TIMESTAMP;
  const y = b ?? ZERO_TIMESTAMP;
  if (x.counter !== y.counter) {
    return x.counter < y.counter ? -1 : 1;
  }
  return x.writer - y.writer;
}

/** The timestamp a writer with ID `writer` uses after seeing `highest`: the next counter, its own ID. */
export function nextTimestamp(highest: Timestamp | undefined, writer: number): Timestamp {
  return create(TimestampSchema, { counter: (highest ?? ZERO_TIMESTAMP).counter + 1n, writer });
}

/** "counter.writer", for logs. */
export function formatTimestamp(ts: Timestamp | undefined): string {
  const t = ts ?? ZERO_TIMESTAMP;
  return `${t.counter}.${t.writer}`;
}
