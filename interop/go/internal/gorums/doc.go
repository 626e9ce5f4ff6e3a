// Package gorums is a small re-implementation of the observable wire behavior
// of Go Gorums (github.com/relab/gorums at 3241d25b) on top of grpc-go.
//
// It exists so that gorums-ts can be tested against a Go peer that speaks the
// current Gorums wire: the Go module proxy serves no relab/gorums version with
// this wire. Every behavior here is written to match what a Go Gorums process
// puts on, or accepts from, the NodeStream; the Go file each one comes from is
// named in the doc comment of the type or function that reproduces it.
//
// The package has three halves:
//
//   - the client side: a [Manager] dials one long-lived NodeStream per node,
//     and [Configuration]s of its nodes run RPCs, unicasts, multicasts and
//     quorum calls ([RPC], [Unicast], [Multicast], [QuorumCall]);
//   - the server side: a [Server] serves NodeStream, dispatching requests one
//     at a time per stream to registered [Handler]s;
//   - the symmetric part: an [InboundManager] classifies every accepted stream
//     by its gorums-node-id header and keeps the server's [Configuration] of
//     known peers (Config) and of client peers (ClientConfig), over which the
//     server calls back on the accepted streams.
package gorums
