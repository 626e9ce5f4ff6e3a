import type { RequestHandler } from "./channel.js";

/** Who is on the other end of a stream, as far as this process knows. */
export interface StreamPeer {
  /** The peer's node ID here: a known peer's ID, a client peer's assigned ID (0 on a plain Server), or 0. */
  readonly nodeID: number;
  /** The peer's "host:port" (its socket address, or the address dialed). */
  readonly address: string;
  /** The stream's headers (those sent when it was opened). */
  readonly headers: Headers;
}

/**
 * Something that serves the requests arriving on a channel: a Server. A
 * Manager given one serves the calls that the other side sends back on the
 * streams it dialed.
 */
export interface RequestServer {
  /**
   * @private The handler for the requests arriving on one channel, in order;
   * `signal` (default: the server's shutdown) becomes the handlers' `ctx.signal`.
   */
  requestHandlerFor(peer: StreamPeer, signal?: AbortSignal): RequestHandler;
}
