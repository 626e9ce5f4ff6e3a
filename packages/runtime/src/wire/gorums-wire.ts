/**
 * Which Go Gorums wire a NodeStream speaks on the gRPC protocol:
 * - `"stream"`: the current one (`/stream.Gorums/NodeStream`, a `stream.Message` per frame; DESIGN.md);
 * - `"ordering"`: the Go Gorums v0.11.0 release's (`/ordering.Gorums/NodeStream`,
 *   `application/grpc+gorums`, metadata then message in each frame), for
 *   mixed clusters with nodes built on that release.
 */
export type GorumsWire = "stream" | "ordering";
