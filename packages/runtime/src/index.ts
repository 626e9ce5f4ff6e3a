// @gorums/runtime: Gorums quorum calls over one bidirectional NodeStream per node.

// The declarations use Node's types (node:http2, node:tls, Buffer): the
// published index.d.ts loads them itself, so a project compiles against the
// runtime whatever its `types` says (TypeScript 6 and later load no
// @types/* package unless told; without this, TypeScript 7 reports
// "Cannot find name 'node:http2'" in dist/core/manager.d.ts). Needs
// @types/node installed, as the install line says.
/// <reference types="node" preserve="true" />

// Node lists, managers, configurations, nodes.
export { withNodeList, withNodes } from "./core/node-list.js";
export type { NodeListOption } from "./core/node-list.js";
export { Manager, newConfig } from "./core/manager.js";
export { ADDR_HEADER, NODE_ID_HEADER, parseNodeID } from "./core/identity-headers.js";
export type { ManagerOptions, SecureClientOptions, StreamAuth } from "./core/manager-options.js";
export { Configuration } from "./core/configuration.js";
export { Node } from "./core/node.js";
export { ConfigContext, NodeContext } from "./core/call-context.js";
export type { CallContextOptions } from "./core/call-context.js";
export { byID, byLatency, byLastNodeError } from "./core/comparators.js";
export { normalizeAddress } from "./wire/address.js";

// Errors (ConnectError and Code re-exported from @connectrpc/connect: handlers throw them, callers read codes).
export { Code, ConnectError } from "@connectrpc/connect";
export { QuorumCallError, ErrIncomplete, ErrSendFailure, ErrSkipNode, ErrStopped, errorIsKind } from "./core/errors.js";
export type { NodeError, QuorumCallCounts } from "./core/errors.js";
export { ErrNodeClosed, ErrStreamDown } from "./wire/errors.js";

// Calls and their results.
export { rpcCall, unicastCall } from "./calls/node-call.js";
export { multicastCall } from "./calls/multicast.js";
export { quorumCall, quorumCallStream } from "./calls/quorum-call.js";
export { Responses } from "./calls/responses.js";
export { Correctable, LevelNotSet } from "./calls/correctable.js";
export type { NodeFailure, NodeResponse, NodeValue } from "./calls/node-response.js";
export { responseSeq } from "./calls/response-seq.js";
export type { ResponseSeq } from "./calls/response-seq.js";
export { ClientCtx } from "./calls/client-ctx.js";
export { mapRequest, mapResponse } from "./calls/call-options.js";
export type { CallOptions, QuorumInterceptor } from "./calls/call-options.js";

// Server.
export { Server } from "./server/server.js";
export { DEFAULT_HANDSHAKE_TIMEOUT_MS } from "./server/listener.js";
export type { ServerOptions, SecureServerOptions } from "./server/server.js";
export type { ServerCtx, PeerInfo } from "./server/server-ctx.js";
export { twoWayHandler, oneWayHandler, streamHandler, unimplementedHandler } from "./server/handler.js";
export type { Handler, HandlerKind } from "./server/handler.js";
export type { ServerInterceptor, ServerNext } from "./server/server-interceptor.js";

// Connection options (the wire's plumbing itself is @gorums/runtime/wire).
export type { BackoffOptions } from "./wire/backoff.js";
export type { KeepaliveOptions } from "./wire/keepalive-options.js";
export type { GorumsWire } from "./wire/gorums-wire.js";

// Symmetric configurations.
export { InboundManager } from "./symmetric/inbound-manager.js";
export { CLIENT_ID_BASE } from "./server/client-peers.js";
export type { InboundNodeOption, InboundManagerOptions } from "./symmetric/inbound-manager.js";
export { System, newSystem, newSymmetricSystem, newLocalSystems } from "./symmetric/system.js";
export type { SystemOptions } from "./symmetric/system.js";
export type { PeerIdentityCheck } from "./symmetric/identify-peer.js";
export { AUTH_HEADER, DEFAULT_MAX_SKEW_MS, certificateNamesPeer, hmacStreamAuth, hmacToken } from "./symmetric/peer-auth.js";
export type { HmacPeerAuth, PeerAuth } from "./symmetric/peer-auth.js";
