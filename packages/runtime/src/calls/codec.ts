import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Message } from "../gen/stream_pb.js";
import { decodePayload } from "../codec/payload-decoder.js";

/** Serializes an application message for a Message payload: the bytes toBinary writes (src/codec). */
export { encodePayload } from "../codec/payload-encoder.js";

/**
 * The application reply in a reply envelope: its value, or the ConnectError
 * its status names, or Internal when the payload does not decode.
 */
export function decodeReply<D extends DescMessage>(schema: D, reply: Message): { value: MessageShape<D> } | { error: ConnectError } {
  const status = reply.status;
  if (status !== undefined && status.code !== 0) {
    return { error: new ConnectError(status.message, status.code as Code) };
  }
  try {
    return { value: decodePayload(schema, reply.payload) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { error: new ConnectError(`gorums: could not unmarshal response: ${why}`, Code.Internal) };
  }
}
