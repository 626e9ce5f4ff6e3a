import { Code } from "@connectrpc/connect";
import type { Message, MetadataEntry } from "../gen/stream_pb.js";
import { parseGrpcTimeout } from "./parse-timeout.js";

/**
 * How a call's end reaches the node that serves it. A request with a
 * deadline carries the time it has left in the message metadata entry
 * `gorums-timeout` (grpc-timeout's syntax: "250m" is 250 ms); Go peers see
 * an unknown entry and ignore it. A cancel — sent only to peers that
 * announced the `cancel` capability — is a message in the request direction
 * with the call's sequence number and method, no payload, and the entry
 * `gorums-cancel` whose value is the gRPC code of why the call ended: "1"
 * (Canceled) or "4" (DeadlineExceeded).
 */

/** The metadata entry with a request's time left. */
export const TIMEOUT_ENTRY = "gorums-timeout";

/** The metadata entry that marks a cancel. */
export const CANCEL_ENTRY = "gorums-cancel";

/** The largest value grpc-timeout's syntax holds: 8 digits. */
const MAX_DIGITS_VALUE = 99_999_999;

/** The entry that says a request has `ms` left (rounded up to whole ms; coarser units past 8 digits). */
export function timeoutEntry(ms: number): MetadataEntry {
  const whole = Math.max(1, Math.ceil(ms));
  const value = whole <= MAX_DIGITS_VALUE ? `${whole}m` : `${Math.min(MAX_DIGITS_VALUE, Math.ceil(whole / 1000))}S`;
  return { $typeName: "stream.MetadataEntry", key: TIMEOUT_ENTRY, value };
}

/** The time a request has left, in ms, from its `gorums-timeout` entry; undefined without one (or a malformed one). */
export function requestTimeoutMs(request: Message): number | undefined {
  for (const e of request.entry) {
    if (e.key === TIMEOUT_ENTRY) {
      return parseGrpcTimeout(e.value);
    }
  }
  return undefined;
}

const canceledEntries: MetadataEntry[] = [{ $typeName: "stream.MetadataEntry", key: CANCEL_ENTRY, value: String(Code.Canceled) }];
const deadlineEntries: MetadataEntry[] = [{ $typeName: "stream.MetadataEntry", key: CANCEL_ENTRY, value: String(Code.DeadlineExceeded) }];

/** The cancel of `request`: same sequence number and method, no payload; `code` says why (Canceled unless DeadlineExceeded). */
export function cancelMessage(request: Message, code?: Code): Message {
  const entry = code === Code.DeadlineExceeded ? deadlineEntries : canceledEntries;
  return { $typeName: "stream.Message", messageSeqNo: request.messageSeqNo, method: request.method, entry, payload: new Uint8Array(0) };
}

/** Why a cancel says its call ended: DeadlineExceeded or Canceled. */
export function cancelCode(msg: Message): Code.Canceled | Code.DeadlineExceeded {
  const value = msg.entry.find((e) => e.key === CANCEL_ENTRY)?.value;
  return value === String(Code.DeadlineExceeded) ? Code.DeadlineExceeded : Code.Canceled;
}

/** Whether a message in the request direction is a cancel. */
export function isCancel(msg: Message): boolean {
  return msg.entry.length > 0 && msg.payload.byteLength === 0 && msg.entry.some((e) => e.key === CANCEL_ENTRY);
}
