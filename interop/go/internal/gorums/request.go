package gorums

import (
	"context"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// Reply is what one node answered to a call: the reply envelope, or an error
// (the reply's status, or a local failure such as [ErrStreamDown]).
type Reply struct {
	NodeID uint32
	Msg    *streampb.Message
	Err    error
}

// request is one message waiting to go out on a node's stream, with what its
// caller waits on (Go Gorums: stream.Request in internal/stream/channel.go).
type request struct {
	ctx context.Context
	msg *streampb.Message
	// streaming: a streaming quorum call; its router entry stays until the
	// stream fails, any number of replies share its sequence number.
	streaming bool
	// oneway: unicast or multicast; never registered, its caller (if it waits)
	// gets a confirmation once the message is written.
	oneway bool
	// replies is where replies, send confirmations and errors go; nil for a
	// reply envelope or a fire-and-forget message.
	replies chan<- Reply
}

// awaitsReply reports whether the request needs a router entry.
func (r request) awaitsReply() bool { return r.replies != nil && !r.oneway }

// awaitsSend reports whether the caller waits for a send confirmation.
func (r request) awaitsSend() bool { return r.replies != nil && r.oneway }

// deliver hands rep to the caller, even if its context has ended, as long as
// that does not block; it gives up (and returns false) only when it would
// block on a caller that has gone.
func (r request) deliver(rep Reply) bool {
	select {
	case r.replies <- rep:
		return true
	default:
	}
	select {
	case r.replies <- rep:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// fail delivers err for node id, if the caller waits for anything.
func (r request) fail(id uint32, err error) {
	if r.replies != nil {
		r.deliver(Reply{NodeID: id, Err: err})
	}
}
