import type { Configuration } from "../core/configuration.js";
import type { MetadataEntry } from "../gen/stream_pb.js";

/** Who sent a request. */
export interface PeerInfo {
  /** The caller's "host:port" (its socket address, or the address this process dialed). */
  readonly address: string;
  /** The caller as this process knows it: a known peer's ID, a client peer's assigned ID, or 0. */
  readonly nodeID: number;
}

/** What a handler knows about the request it serves. */
export interface ServerCtx {
  /** "pkg.Service.Method". */
  readonly method: string;
  /** Aborts when the stream the request came on ends, or the server stops. */
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
  /** The client peers connected to this server (empty without an InboundManager). */
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

/** @private The ServerCtx of one request. */
export class RequestCtx implements ServerCtx {
  private headers: Headers | undefined;

  constructor(
    readonly method: string,
    private readonly entries: readonly MetadataEntry[],
    private readonly source: ServerCtxSource,
    readonly release: () => void,
  ) {}

  get signal(): AbortSignal {
    return this.source.signal;
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
