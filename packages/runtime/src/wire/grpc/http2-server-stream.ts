import type { Message } from "../../gen/stream_pb.js";
import type { EncodedMessage } from "../encoded-message.js";
import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { streamDownError, toConnectError } from "../errors.js";
import { type NodeStreamWire, STREAM_WIRE } from "./node-stream-wire.js";
import { grpcStatusTrailers } from "./trailer-status.js";
import { parseGrpcTimeout } from "../parse-timeout.js";
import { connectErrorFromNodeError, connectErrorFromRstCode } from "./http2-errors.js";
import { CANCEL_CAPABILITY, CAPABILITIES_HEADER } from "../capabilities.js";
import { toWebHeaders } from "./http2-headers.js";
import { Http2MessageStream } from "./http2-message-stream.js";

/**
 * The server end of a NodeStream on node:http2. It answers at once with
 * `:status 200` and `content-type: application/grpc` (the client learns
 * that the stream is up without waiting for a first message), writes
 * replies in per-tick batches with backpressure, and ends the call with
 * trailers: `grpc-status: 0`, or the code and percent-encoded
 * `grpc-message` of the error it was closed with. The iteration of
 * `receive()` ends cleanly when the client half-closes and throws when the
 * client resets the stream (CANCEL → Canceled) or the connection is lost
 * (Unavailable). A `grpc-timeout` from the client is honoured: the call
 * ends with DeadlineExceeded when it runs out. The response headers announce
 * `gorums-capabilities: cancel`: the server aborts a call it gets a cancel for.
 */
export class Http2ServerStream extends Http2MessageStream {
  private trailers: http2.OutgoingHttpHeaders = { "grpc-status": "0" };
  private error: Error | undefined;
  private closed = false;
  private deadline: NodeJS.Timeout | undefined;
  private readonly session: http2.Http2Session | undefined;
  /** The client's request headers. */
  readonly peerHeaders: Headers;

  /**
   * @param res the compat response of the same stream, when the stream came
   *   through an `http2` request listener: then its trailers are handed to it
   *   (the compat layer sends them on 'wantTrailers').
   * @param wire the Go Gorums wire the client called: its content type
   *   answers, its envelope format reads and writes the frames.
   */
  constructor(
    private readonly serverStream: http2.ServerHttp2Stream,
    requestHeaders: http2.IncomingHttpHeaders,
    maxMessageBytes: number | undefined,
    private readonly res?: http2.Http2ServerResponse,
    private readonly wire: NodeStreamWire = STREAM_WIRE,
  ) {
    super(serverStream, maxMessageBytes, wire.format);
    this.session = serverStream.session;
    this.peerHeaders = toWebHeaders(requestHeaders);
    // A clean half-close ends the iteration at 'end'; a reset or a lost
    // connection is judged at 'close', when the session shows which it was.
    serverStream.on("end", () => {
      if (!serverStream.aborted) {
        this.queue.end(this.truncated());
      }
    });
    serverStream.on("error", (err) => {
      this.error ??= err;
    });
    serverStream.on("close", () => {
      clearTimeout(this.deadline);
      this.queue.end(this.closeError());
      this.writer.fail(streamDownError());
    });
    // The compat response (registered first) sends the trailers handed to it in close().
    serverStream.on("wantTrailers", () => {
      if (res === undefined) {
        serverStream.sendTrailers(this.trailers);
      }
      // Like grpc-go: once the response is complete, a client that has not
      // half-closed is told to stop sending (RST_STREAM NO_ERROR), so the
      // stream cannot linger. From a setImmediate: outside nghttp2's send
      // callback, node:http2 flushes the trailers before the reset (inside
      // it, the reset would overtake them).
      setImmediate(() => {
        if (!serverStream.readableEnded && !serverStream.closed) {
          serverStream.close(http2.constants.NGHTTP2_NO_ERROR);
        }
      });
    });
    const timeoutMs = parseGrpcTimeout(headerValue(requestHeaders["grpc-timeout"]));
    if (timeoutMs !== undefined) {
      this.deadline = setTimeout(() => this.fail(new ConnectError("deadline exceeded", Code.DeadlineExceeded)), timeoutMs);
      this.deadline.unref();
    }
  }

  /**
   * Sends the response headers: the stream is accepted. Called when the
   * server adopts the stream, or by the first reply; a stream closed before
   * that ends with a trailers-only response (a refusal the client can tell
   * from acceptance).
   */
  open(): void {
    const s = this.serverStream;
    if (!s.headersSent && !s.destroyed && !this.closed) {
      const announce = this.wire.cancels ? { [CAPABILITIES_HEADER]: CANCEL_CAPABILITY } : {};
      s.respond({ ":status": 200, "content-type": this.wire.contentType, ...announce }, { waitForTrailers: true });
    }
  }

  override send(msg: Message, encoded?: EncodedMessage): Promise<void> {
    this.open();
    return super.send(msg, encoded);
  }

  /**
   * Ends the call after the replies already sent: with grpc-status 0
   * without a reason, else with the reason's code (a non-ConnectError is
   * Unknown) and message. Sends after close reject; a pending `receive`
   * throws `reason` (Canceled "stream closed" without one). Idempotent.
   */
  close(reason?: Error): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    clearTimeout(this.deadline);
    const status = reason === undefined ? undefined : toConnectError(reason, Code.Unknown);
    this.trailers = grpcStatusTrailers(status);
    this.writer.drainAndStop(streamDownError());
    this.queue.end(reason ?? new ConnectError("stream closed", Code.Canceled));
    const s = this.serverStream;
    if (s.destroyed || s.writableEnded) {
      return;
    }
    if (!s.headersSent) {
      s.respond({ ":status": 200, "content-type": this.wire.contentType, ...this.trailers }, { endStream: true });
      return;
    }
    this.res?.addTrailers(this.trailers);
    s.end();
  }

  protected fail(err: ConnectError): void {
    this.queue.end(err);
    this.close(err);
  }

  private closeError(): ConnectError {
    if (this.session === undefined || this.session.destroyed || this.session.closed) {
      return new ConnectError("connection to the client lost", Code.Unavailable);
    }
    const rst = connectErrorFromRstCode(this.serverStream.rstCode);
    if (rst !== undefined) {
      return rst;
    }
    if (this.error !== undefined) {
      return connectErrorFromNodeError(this.error);
    }
    return this.closed ? streamDownError() : new ConnectError("client closed the stream", Code.Canceled);
  }
}

/** The first value of a header that may repeat. */
export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
