import { CANCEL_CAPABILITY, CAPABILITIES_HEADER, withCapability } from "../wire/capabilities.js";
import { Channel, type StreamDialer } from "../wire/channel.js";
import { connectStreamDialer } from "../wire/connect/connect-client-stream.js";
import { streamDownError } from "../wire/errors.js";
import { http2StreamDialer } from "../wire/grpc/http2-stream-dialer.js";
import { NODE_ID_HEADER } from "./identity-headers.js";
import type { ManagerOptions, StreamAuth } from "./manager-options.js";
import type { NodeSpec } from "./node-list.js";

/** Hooks for whoever tracks the channel's connection (a System's peer links). */
export interface OutboundChannelHooks {
  onStreamUp?: (channel: Channel) => void;
  onStreamDown?: (channel: Channel) => void;
  /** A stream still open and unrefused after this many ms counts as accepted without response headers (see ChannelOptions). */
  acceptAfterMs?: number;
  /** Dial again after every failure, not only when a call needs a stream (see ChannelOptions). */
  keepConnected?: boolean;
}

/**
 * A channel that dials one node (the gRPC protocol on our node:http2 stream,
 * the Connect protocol on connect-node): the manager's metadata and
 * identity headers on the stream, its backoff and send buffer, and, when it
 * has a server, serving the calls that come back on the stream.
 */
export function newOutboundChannel(spec: NodeSpec, options: ManagerOptions, hooks: OutboundChannelHooks = {}): Channel {
  checkWire(options);
  const headers = new Headers(options.metadata);
  for (const [k, v] of Object.entries(options.streamHeaders ?? {})) {
    headers.set(k, v);
  }
  const server = options.server;
  if (server !== undefined && !headers.has(NODE_ID_HEADER)) {
    headers.set(NODE_ID_HEADER, "0");
  }
  // Calls the node makes back on this stream are served by a dispatcher that understands cancels.
  headers.set(CAPABILITIES_HEADER, withCapability(headers.get(CAPABILITIES_HEADER), CANCEL_CAPABILITY));
  const dialOptions = {
    address: spec.address,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.maxMessageBytes !== undefined ? { readMaxBytes: options.maxMessageBytes } : {}),
    ...(options.keepalive !== undefined ? { keepalive: options.keepalive } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.wire !== undefined ? { wire: options.wire } : {}),
  };
  const makeDialer = (h: Headers): StreamDialer =>
    options.protocol === "connect" ? connectStreamDialer({ ...dialOptions, headers: h }) : http2StreamDialer({ ...dialOptions, headers: h });
  const dialer = options.streamAuth === undefined ? makeDialer(headers) : freshHeadersDialer(options.streamAuth, headers, makeDialer);
  return new Channel({
    nodeID: spec.id,
    dialer,
    ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    ...(options.sendBufferSize !== undefined ? { maxQueued: options.sendBufferSize } : {}),
    // A client that serves calls back keeps its streams, and so the process, alive.
    ...(server !== undefined ? { onRequest: server.requestHandlerFor({ nodeID: spec.id, address: spec.address, headers }), keepProcessAlive: true } : {}),
    ...(hooks.onStreamUp !== undefined ? { onStreamUp: hooks.onStreamUp } : {}),
    ...(hooks.onStreamDown !== undefined ? { onStreamDown: hooks.onStreamDown } : {}),
    ...(hooks.acceptAfterMs !== undefined ? { acceptAfterMs: hooks.acceptAfterMs } : {}),
    ...(hooks.keepConnected !== undefined ? { keepConnected: hooks.keepConnected } : {}),
  });
}

/** Throws for the options the Go Gorums v0.11.0 release's wire cannot carry. */
function checkWire(options: ManagerOptions): void {
  if (options.wire === undefined || options.wire === "stream") {
    return;
  }
  if (options.wire !== "ordering") {
    throw new Error(`gorums: unknown wire ${JSON.stringify(options.wire)} (want "stream" or "ordering")`);
  }
  if (options.protocol === "connect") {
    throw new Error('gorums: the "ordering" wire (Go Gorums v0.11.0) is gRPC only, not protocol "connect"');
  }
  if (options.server !== undefined) {
    throw new Error('gorums: the "ordering" wire (Go Gorums v0.11.0) has no calls back: it cannot take a server');
  }
}

/**
 * A dialer whose streams carry `auth`'s headers, made when its connection
 * is: the dialers below fix their headers when made, so once those are
 * `auth.maxAgeMs` old the next dial replaces the dialer (a new connection,
 * fresh headers). Only a dial replaces it, and the channel dials only when
 * it has no stream, so no open stream of ours is cut.
 */
function freshHeadersDialer(auth: StreamAuth, headers: Headers, make: (h: Headers) => StreamDialer): StreamDialer {
  let current: StreamDialer | undefined;
  let madeAt = 0;
  let closed = false;
  return {
    dial() {
      if (closed) {
        return Promise.reject(streamDownError());
      }
      if (current === undefined || Date.now() - madeAt >= auth.maxAgeMs) {
        current?.close();
        const h = new Headers(headers);
        for (const [k, v] of Object.entries(auth.headers(headers))) {
          h.set(k, v);
        }
        current = make(h);
        madeAt = Date.now();
      }
      return current.dial();
    },
    close() {
      closed = true;
      current?.close();
    },
  };
}
