import { Channel } from "../wire/channel.js";
import { connectStreamDialer } from "../wire/connect-client-stream.js";
import { http2StreamDialer } from "../wire/http2-stream-dialer.js";
import { defaultTransport } from "../wire/transport.js";
import { NODE_ID_HEADER } from "./identity-headers.js";
import type { ManagerOptions } from "./manager.js";
import type { NodeSpec } from "./node-list.js";

/** Hooks for whoever tracks the channel's connection (a System's peer links). */
export interface OutboundChannelHooks {
  onStreamUp?: (channel: Channel) => void;
  onStreamDown?: (channel: Channel) => void;
}

/**
 * A channel that dials one node (node:http2 stream, or connect-node): the manager's metadata and
 * identity headers on the stream, its backoff and send buffer, and, when it
 * has a server, serving the calls that come back on the stream.
 */
export function newOutboundChannel(spec: NodeSpec, options: ManagerOptions, hooks: OutboundChannelHooks = {}): Channel {
  const headers = new Headers(options.metadata);
  for (const [k, v] of Object.entries(options.streamHeaders ?? {})) {
    headers.set(k, v);
  }
  const server = options.server;
  if (server !== undefined && !headers.has(NODE_ID_HEADER)) {
    headers.set(NODE_ID_HEADER, "0");
  }
  const dialOptions = {
    address: spec.address,
    headers,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.maxMessageBytes !== undefined ? { readMaxBytes: options.maxMessageBytes } : {}),
  };
  const useConnectNode = options.protocol === "connect" || (options.transport ?? defaultTransport()) === "connect-node";
  const dialer = useConnectNode ? connectStreamDialer({ ...dialOptions, protocol: options.protocol ?? "grpc" }) : http2StreamDialer(dialOptions);
  return new Channel({
    nodeID: spec.id,
    dialer,
    ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    ...(options.sendBufferSize !== undefined ? { maxQueued: options.sendBufferSize } : {}),
    ...(server !== undefined ? { onRequest: server.requestHandlerFor({ nodeID: spec.id, address: spec.address, headers }) } : {}),
    ...(hooks.onStreamUp !== undefined ? { onStreamUp: hooks.onStreamUp } : {}),
    ...(hooks.onStreamDown !== undefined ? { onStreamDown: hooks.onStreamDown } : {}),
  });
}
