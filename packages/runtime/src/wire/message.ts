import type { ConnectError } from "@connectrpc/connect";
import type { Message, MetadataEntry } from "../gen/stream_pb.js";

/** A request envelope. */
export function requestMessage(seqNo: bigint, method: string, payload: Uint8Array, entry: MetadataEntry[]): Message {
  return { $typeName: "stream.Message", messageSeqNo: seqNo, method, entry, payload };
}

/** A successful reply envelope: the request's seqNo and method, and the payload. */
export function replyMessage(request: Message, payload: Uint8Array): Message {
  return { $typeName: "stream.Message", messageSeqNo: request.messageSeqNo, method: request.method, entry: [], payload };
}

/** The reply envelope that reports `err` for `request`: same seqNo and method, a status, no payload. */
export function errorReply(request: Message, err: ConnectError): Message {
  return {
    $typeName: "stream.Message",
    messageSeqNo: request.messageSeqNo,
    method: request.method,
    status: { $typeName: "google.rpc.Status", code: err.code, message: err.rawMessage, details: [] },
    entry: [],
    payload: new Uint8Array(0),
  };
}

/** Metadata entries from a record. */
export function metadataEntries(metadata: Readonly<Record<string, string>> | undefined): MetadataEntry[] {
  if (metadata === undefined) {
    return [];
  }
  return Object.entries(metadata).map(([key, value]) => ({ $typeName: "stream.MetadataEntry", key, value }));
}
