import { type EnvelopeFormat, STREAM_ENVELOPE } from "../envelope-format.js";
import { ORDERING_ENVELOPE } from "../ordering-envelope.js";
import { GRPC_CONTENT_TYPE, isGrpcProtoContentType, mediaType } from "./content-type.js";
import { NODE_STREAM_PATH } from "./node-stream-path.js";
import type { GorumsWire } from "../gorums-wire.js";

/**
 * One Go Gorums wire on gRPC: the method path, the content type, and how
 * envelopes sit in the frames. A server serves both; a client dials one.
 */
export interface NodeStreamWire {
  readonly name: GorumsWire;
  /** The path of the NodeStream method. */
  readonly path: string;
  /** The content type sent, by the client in its request and by the server in its response. */
  readonly contentType: string;
  /** True when a request or response content type is this wire's. */
  accepts(contentType: string | undefined): boolean;
  readonly format: EnvelopeFormat;
  /** Whether a server announces `gorums-capabilities: cancel` on it (gorums-ts's cancels; only the current wire has them). */
  readonly cancels: boolean;
  /**
   * Whether only this wire uses its path: a request there in another content
   * type is refused as a NodeStream. False for the current path, which the
   * Connect protocol shares (such requests go on to connect-node).
   */
  readonly ownsPath: boolean;
}

/**
 * Go Gorums' current wire, the one of DESIGN.md: `/stream.Gorums/NodeStream`,
 * `application/grpc` (or `application/grpc+proto`), a `stream.Message` per frame.
 */
export const STREAM_WIRE: NodeStreamWire = {
  name: "stream",
  path: NODE_STREAM_PATH,
  contentType: GRPC_CONTENT_TYPE,
  accepts: isGrpcProtoContentType,
  format: STREAM_ENVELOPE,
  cancels: true,
  ownsPath: false,
};

/** The content type of the Go Gorums v0.11.0 release: gRPC with its `gorums` codec. */
export const ORDERING_CONTENT_TYPE = "application/grpc+gorums";

/**
 * The wire of the Go Gorums v0.11.0 release (the one release the Go module
 * proxy serves): `/ordering.Gorums/NodeStream`, `application/grpc+gorums`,
 * frames of metadata then message (`ORDERING_ENVELOPE`). Its requests,
 * replies, sequence numbers, method names and statuses mean what they mean
 * on the current wire; it has no calls from the server back to the client
 * and no cancels.
 */
export const ORDERING_WIRE: NodeStreamWire = {
  name: "ordering",
  path: "/ordering.Gorums/NodeStream",
  contentType: ORDERING_CONTENT_TYPE,
  accepts: (contentType) => mediaType(contentType) === ORDERING_CONTENT_TYPE,
  format: ORDERING_ENVELOPE,
  cancels: false,
  ownsPath: true,
};

/** The wire whose path `path` is, if any. */
export function wireOfPath(path: string | undefined): NodeStreamWire | undefined {
  return path === STREAM_WIRE.path ? STREAM_WIRE : path === ORDERING_WIRE.path ? ORDERING_WIRE : undefined;
}

/** The wire of a name (`"stream"` when absent). */
export function wireNamed(name: GorumsWire | undefined): NodeStreamWire {
  return name === "ordering" ? ORDERING_WIRE : STREAM_WIRE;
}
