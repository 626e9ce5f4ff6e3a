import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { streamDownError } from "../errors.js";
import { codeFromHttpStatus } from "./http-status.js";
import { type NodeStreamWire, STREAM_WIRE } from "./node-stream-wire.js";
import { statusFromMetadata } from "./trailer-status.js";
import { connectErrorFromNodeError, connectErrorFromRstCode } from "./http2-errors.js";
import { toWebHeaders } from "./http2-headers.js";
import { Http2MessageStream } from "./http2-message-stream.js";

/**
 * The client end of a NodeStream on node:http2 (a request opened by
 * `http2StreamDialer`). The iteration of `receive()` ends cleanly when the
 * server ends the call with grpc-status 0 (in trailers, or in the headers of
 * a trailers-only response) and throws the ConnectError of any other status;
 * a reset stream throws by its RST code (CANCEL → Canceled, …), a lost
 * connection throws Unavailable.
 */
export class Http2ClientStream extends Http2MessageStream {
  /** undefined: no status yet; null: OK; else the error status. */
  private status: ConnectError | null | undefined;
  private error: Error | undefined;
  private closed = false;
  private readonly session: http2.Http2Session | undefined;
  /** Resolves once the server answered with headers that accept the stream. */
  readonly accepted: Promise<void>;
  private responseHeaders: Headers | undefined;
  private markAccepted: () => void = () => {};

  constructor(
    private readonly request: http2.ClientHttp2Stream,
    /** Aborts the `signal` the request was made with: RST_STREAM CANCEL, without END_STREAM first. */
    private readonly cancel: () => void,
    maxMessageBytes: number | undefined,
    private readonly onClosed: () => void,
    /** Keeps the session (and so the process) alive, or lets it go. */
    private readonly hold: (ref: boolean) => void = () => {},
    /** The Go Gorums wire the request was made on: its content type and envelope format. */
    private readonly wire: NodeStreamWire = STREAM_WIRE,
  ) {
    super(request, maxMessageBytes, wire.format);
    this.session = request.session;
    this.accepted = new Promise((resolve) => {
      this.markAccepted = resolve;
    });
    request.on("response", (headers) => this.onResponse(headers));
    request.on("trailers", (trailers) => {
      if (this.status === undefined) {
        const status = statusFromMetadata(trailers);
        this.status = status === undefined ? new ConnectError("protocol error: trailers without grpc-status", Code.Internal) : status;
      }
    });
    request.on("end", () => this.onEnd());
    // A reset is judged at 'close', not at 'aborted': only then does the
    // session show whether the connection itself went away.
    request.on("error", (err) => {
      this.error ??= err;
    });
    request.on("close", () => {
      this.settle();
      this.writer.fail(streamDownError());
      this.onClosed();
    });
  }

  /** Keeps the process alive while `ref` (as opened), or lets it exit while the stream idles. */
  setRef(ref: boolean): void {
    this.hold(ref);
  }

  /** The server's response headers, once they arrived. */
  get peerHeaders(): Headers | undefined {
    return this.responseHeaders;
  }

  /**
   * Ends the call from this side. Without a reason it half-closes (the
   * request side ends after what was sent; the server then ends the call);
   * with one it also cancels the stream (RST_STREAM CANCEL) at once.
   * Sends after close reject; a pending `receive` throws `reason`
   * (Canceled "stream closed" without one) unless the server ended first.
   */
  close(reason?: Error): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    const req = this.request;
    this.writer.drainAndStop(streamDownError());
    this.queue.end(reason ?? new ConnectError("stream closed", Code.Canceled));
    if (req.destroyed) {
      return;
    }
    if (reason !== undefined) {
      // Not req.close(CANCEL): that ends the request side first, and the
      // server would see a clean half-close before the reset.
      this.cancel();
    } else if (!req.writableEnded) {
      req.end();
    }
  }

  protected fail(err: ConnectError): void {
    this.queue.end(err);
    this.close(err);
  }

  private onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    const httpStatus = headers[":status"] ?? 0;
    const status = statusFromMetadata(headers);
    if (httpStatus !== 200) {
      this.fail(status ?? new ConnectError(`HTTP ${httpStatus}`, codeFromHttpStatus(httpStatus)));
      return;
    }
    if (status !== undefined) {
      this.status = status; // trailers-only response
      return;
    }
    if (!this.wire.accepts(headers["content-type"])) {
      this.fail(new ConnectError(`unsupported content type ${headers["content-type"] ?? "(none)"}`, Code.Unknown));
      return;
    }
    this.responseHeaders = toWebHeaders(headers);
    this.markAccepted();
  }

  private onEnd(): void {
    if (this.status !== undefined) {
      this.settle();
    }
    // Without a status, wait for 'close' to tell a reset or a lost connection.
  }

  /** Ends the iteration by the status, the reset code or the error seen. */
  private settle(): void {
    if (this.queue.isEnded) {
      return;
    }
    if (this.status !== undefined) {
      const err = this.status ?? this.truncated();
      this.queue.end(err);
      // The call is over: sends from here on cannot be answered.
      this.writer.fail(err ?? streamDownError());
      return;
    }
    if (!this.request.closed && !this.request.destroyed && !this.request.aborted) {
      return;
    }
    this.queue.end(this.closeError());
  }

  private closeError(): ConnectError {
    if (this.status instanceof ConnectError) {
      return this.status;
    }
    if (this.session === undefined || this.session.destroyed || this.session.closed) {
      return new ConnectError(`connection lost${this.error !== undefined ? `: ${this.error.message}` : ""}`, Code.Unavailable, undefined, undefined, this.error);
    }
    const rst = connectErrorFromRstCode(this.request.rstCode);
    if (rst !== undefined) {
      return rst;
    }
    if (this.error !== undefined) {
      return connectErrorFromNodeError(this.error);
    }
    return new ConnectError("stream closed without a grpc-status (connection lost)", Code.Unavailable);
  }
}
