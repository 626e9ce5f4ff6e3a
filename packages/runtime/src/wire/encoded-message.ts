import type { EnvelopeFormat } from "./envelope-format.js";

/**
 * The encoding of one request envelope, shared by the node streams it is
 * written to: a quorum call writes the same envelope to every node of its
 * configuration, so the first stream that encodes it keeps the bytes here
 * and the others copy them instead of encoding it again. Held by the
 * calls (`PendingCall.encoded`) that carry the same Message object; the
 * Message must not change once one of them was sent.
 */
export class EncodedMessage {
  /** The envelope's encoding (no frame header), once a stream has encoded it. */
  bytes: Uint8Array | undefined = undefined;
  /** The envelope format `bytes` are in: a stream of another format encodes the message itself. */
  format: EnvelopeFormat | undefined = undefined;
}
