import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { decodeFallback } from "./decode-fallback.js";
import { decoderSupports } from "./decode-support.js";
import type { MessageBodyReader } from "./reader-types.js";
import { messageReader } from "./message-reader.js";
import { WireReader } from "./wire-reader.js";

/** The compiled reader of each payload type, or null where fromBinary decodes it. */
const readers = new WeakMap<DescMessage, MessageBodyReader | null>();

/**
 * Decodes a payload exactly as `fromBinary(schema, bytes)` does (the same
 * message, zero values, $unknown, bytes views and errors on malformed input)
 * with a reader compiled once per message type. Types the reader does not
 * handle (see decoderSupports), and fields met with an unusual wire type,
 * are decoded by fromBinary itself.
 */
export function decodePayload<D extends DescMessage>(schema: D, bytes: Uint8Array): MessageShape<D> {
  let reader = readers.get(schema);
  if (reader === undefined) {
    reader = decoderSupports(schema) ? messageReader(schema) : null;
    readers.set(schema, reader);
  }
  if (reader === null) return fromBinary(schema, bytes);
  const message = reader.zero();
  try {
    reader.read(message, new WireReader(bytes), bytes.length);
  } catch (err) {
    if (err === decodeFallback) return fromBinary(schema, bytes);
    throw err;
  }
  return message as MessageShape<D>;
}
