package gorums

import (
	"context"

	"google.golang.org/protobuf/proto"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// Handler serves one method. It returns the reply, or an error that becomes
// the reply's status. Returning (nil, nil) sends nothing: that is how one-way
// methods, and streaming methods (which reply with [ServerCtx.Send]), end.
type Handler func(ctx *ServerCtx, req proto.Message) (proto.Message, error)

// ServerCtx is a handler's view of its request (Go Gorums: handler.go). Its
// context carries the caller's metadata as incoming gRPC metadata: the
// stream headers and the message's entries for a request on an accepted
// stream, the entries over the caller's own incoming metadata for an
// in-process call, and nothing for a request a node sent back on a stream
// this process dialed.
type ServerCtx struct {
	context.Context
	srv     *Server
	peer    uint32
	in      *streampb.Message
	release func()
	send    func(*streampb.Message)
}

// Release lets the stream dispatch its next request before this handler
// returns; it is called anyway when the handler returns. Handlers that make
// calls of their own must release first.
func (c *ServerCtx) Release() {
	if c.release != nil {
		c.release()
	}
}

// Send writes one reply envelope for the request (same sequence number and
// method). A streaming handler calls it once per reply.
func (c *ServerCtx) Send(resp proto.Message) {
	c.send(replyTo(c.in, resp, nil))
}

// PeerID is the caller's node ID as this process knows it: a known peer's
// ID, a client peer's assigned ID, the ID of the node a request came back
// from on a dialed stream, this process's own ID for an in-process call, or 0
// for an untracked client.
func (c *ServerCtx) PeerID() uint32 { return c.peer }

// Method is the request's full method name.
func (c *ServerCtx) Method() string { return c.in.GetMethod() }

// Config is the server's configuration of connected known peers, itself
// included.
func (c *ServerCtx) Config() Configuration { return c.srv.Config() }

// ClientConfig is the server's configuration of connected client peers.
func (c *ServerCtx) ClientConfig() Configuration { return c.srv.ClientConfig() }
