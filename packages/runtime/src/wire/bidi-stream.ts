import type { Message } from "../gen/stream_pb.js";
import type { EncodedMessage } from "./encoded-message.js";
import type { MessageSink } from "./message-sink.js";

/**
 * One bidirectional NodeStream between two processes, as the channel above it
 * sees it. Implementations: for the gRPC protocol, our node:http2 streams
 * (`grpc/http2-client-stream.ts`, `grpc/http2-server-stream.ts`); for the
 * Connect protocol, a connect-node client call and server handler
 * (`connect/connect-client-stream.ts`, `connect/connect-server-stream.ts`).
 * Nothing above this interface knows which one it drives.
 */
export interface BidiStream {
  /**
   * Writes one message. Resolves once the transport has taken it; rejects
   * when the stream has failed or was closed. `encoded`, where given, holds
   * the message's encoding for the streams that write the same message: an
   * implementation that encodes it itself takes the bytes from there, or
   * leaves them there; one that does not may ignore it.
   */
  send(msg: Message, encoded?: EncodedMessage): Promise<void>;
  /**
   * The messages from the other side, in arrival order. The iteration ends
   * when the other side ends the stream and throws when the stream fails.
   * Iterate it once (or use `consume` instead, where there is one).
   */
  receive(): AsyncIterable<Message>;
  /**
   * The same messages as `receive()`, handed to `sink` as the transport
   * reads them (no promise per message), with the iteration's end or error
   * as the sink's end. A promise from `sink.message` holds the later
   * messages back until it resolves (the transport pauses reading past its
   * high-water marks); a sink that throws or rejects stops the stream's
   * reading as a `for await` body that throws would. Use either this or
   * `receive()`, once. Absent where the implementation only iterates: the
   * channel iterates `receive()` then.
   */
  consume?(sink: MessageSink<Message>): void;
  /** Ends the stream from this side. Sends after close reject. Idempotent. */
  close(reason?: Error): void;
  /**
   * Resolves when the other side has accepted the stream (response headers
   * without an error status); never resolves for a refused stream. Absent
   * when the implementation cannot tell: the stream counts as accepted when
   * it opens.
   */
  readonly accepted?: Promise<void>;
  /**
   * The other side's stream headers, where this implementation has them: a
   * server stream's request headers, a client stream's response headers once
   * they arrived. What the peer announced in them (`gorums-capabilities`)
   * decides what may be sent to it.
   */
  readonly peerHeaders?: Headers | undefined;
  /**
   * Server side: confirms the stream to the peer (response headers) once the
   * server has adopted it; a stream closed before is refused outright.
   * Absent where the implementation does it by itself.
   */
  open?(): void;
  /**
   * Client side: whether the stream keeps the Node process alive (true when
   * it opens). Its channel sets false while no call is outstanding, so an
   * idle connection never keeps a script from exiting. Absent where the
   * implementation cannot tell its connection apart.
   */
  setRef?(ref: boolean): void;
}

