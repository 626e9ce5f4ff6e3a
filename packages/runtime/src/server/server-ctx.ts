import { Code, ConnectError } from "@connectrpc/connect";
import { onAbort } from "../calls/abort-watchers.js";
import type { Configuration } from "../core/configuration.js";
import type { MetadataEntry } from "../gen/stream_pb.js";

/** Who sent a request. */
export interface PeerInfo {
  /** The caller's "host:port" (its socket address, or the address this process dialed). */
  readonly address: string;
  /** The caller as this process knows it: a known peer's ID, a client peer's assigned ID (0 on a plain Server, which names no one), or 0. */
  readonly nodeID: number;
}

/** What a handler knows about the request it serves. */
export interface ServerCtx {
  /** "pkg.Service.Method". */
  readonly method: string;
  /**
   * Aborts when this call ends before the handler is done: its deadline
   * passed (DeadlineExceeded: the caller sent the time it had left), the
   * caller cancelled it (Canceled: it gave up, or a quorum call it belongs to
   * has what it needs), the stream it came on ended, or the server stops.
   * Callers on Go Gorums send neither deadlines nor cancels.
   */
  readonly signal: AbortSignal;
  /** The stream's headers plus the request's own metadata entries. */
  readonly metadata: Headers;
  /** The caller. */
  readonly peer: PeerInfo;
  /**
   * Lets the next request on this stream start before this handler returns.
   * Requests on one stream otherwise run one at a time, in arrival order. A
   * handler that makes calls of its own must release first. Idempotent.
   */
  release(): void;
  /** The known peers connected to this server, self included (empty without an InboundManager). */
  config(): Configuration;
  /** The client peers connected to this server (a plain Server's too). */
  clientConfig(): Configuration;
}

/** Where a ServerCtx gets what it does not carry itself. */
export interface ServerCtxSource {
  readonly signal: AbortSignal;
  readonly headers: Headers;
  readonly peer: PeerInfo;
  config(): Configuration;
  clientConfig(): Configuration;
}

/**
 * @private The ServerCtx of one request, and its lifetime here: `end()`
 * when the call ends early (deadline, cancel, stream). The signal is made
 * when a handler first asks for it, so handlers that never look pay nothing.
 */
export class RequestCtx implements ServerCtx {
  private headers: Headers | undefined;
  private controller: AbortController | undefined;
  private endedBy: ConnectError | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unwatch: (() => void) | undefined;

  constructor(
    readonly method: string,
    private readonly entries: readonly MetadataEntry[],
    private readonly source: ServerCtxSource,
    readonly release: () => void,
    /** When the caller's deadline passes (performance.now() time), if it sent one. */
    private readonly deadline: number | undefined,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      const stream = this.source.signal;
      if (this.endedBy !== undefined) {
        this.controller.abort(this.endedBy);
      } else if (stream.aborted) {
        this.controller.abort(stream.reason);
      } else {
        this.unwatch = onAbort(stream, () => this.end(stream.reason));
        this.watchDeadline();
      }
    }
    return this.controller.signal;
  }

  /** Whether the call ended before its handler was done. */
  get ended(): boolean {
    return this.endedBy !== undefined;
  }

  /**
   * Ends the call: the signal aborts with `reason`, the stream's queue goes
   * on without waiting for this handler, and a streaming handler's sends
   * send nothing more. Idempotent.
   */
  end(reason: unknown): void {
    if (this.endedBy !== undefined) {
      return;
    }
    this.endedBy = reason instanceof ConnectError ? reason : ConnectError.from(reason, Code.Canceled);
    this.dispose();
    this.controller?.abort(this.endedBy);
    this.release();
  }

  /** Ends the call when its deadline passes, also if nobody asked for the signal (a handler that went async). */
  watchDeadline(): void {
    if (this.deadline === undefined || this.timer !== undefined || this.endedBy !== undefined) {
      return;
    }
    const left = this.deadline - performance.now();
    if (left <= 0) {
      this.end(deadlinePassed());
      return;
    }
    this.timer = setTimeout(() => this.end(deadlinePassed()), left);
    this.timer.unref();
  }

  /** Drops the timer and the stream watch (the handler is done). */
  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.unwatch !== undefined) {
      this.unwatch();
      this.unwatch = undefined;
    }
  }

  get peer(): PeerInfo {
    return this.source.peer;
  }

  get metadata(): Headers {
    if (this.headers === undefined) {
      this.headers = new Headers(this.source.headers);
      for (const e of this.entries) {
        this.headers.append(e.key, e.value);
      }
    }
    return this.headers;
  }

  config(): Configuration {
    return this.source.config();
  }

  clientConfig(): Configuration {
    return this.source.clientConfig();
  }
}

/** The reason a call ends when the caller's deadline passes. */
export function deadlinePassed(): ConnectError {
  return new ConnectError("the caller's deadline passed", Code.DeadlineExceeded);
}
