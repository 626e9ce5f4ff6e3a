package gorums

import (
	"context"
	"sync"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// Node is one peer that calls can be made on: a node this process dialed, a
// known peer or client peer that dialed this process, or this process itself
// (Go Gorums: node.go).
type Node struct {
	id      uint32
	addr    string
	router  *router
	nextSeq func() uint64

	mu sync.Mutex
	ch channel // nil while a known peer has no stream to this process
}

// ID is the node's ID.
func (n *Node) ID() uint32 { return n.id }

// Address is the node's address ("client" for a client peer).
func (n *Node) Address() string { return n.addr }

// PendingCount is the number of calls waiting for the node's replies.
func (n *Node) PendingCount() int { return n.router.pendingCount() }

func (n *Node) channel() channel {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

// connected reports whether the node has a channel.
func (n *Node) connected() bool { return n.channel() != nil }

// enqueue hands req to the node's channel; without one it is dropped (its
// caller is not told, as in Go Gorums).
func (n *Node) enqueue(req request) {
	if ch := n.channel(); ch != nil {
		ch.enqueue(req)
	}
}

// close closes the node's channel.
func (n *Node) close() error {
	if ch := n.channel(); ch != nil {
		return ch.close()
	}
	return nil
}

// attach makes a new accepted channel over s the node's channel, closing the
// one it replaces (its pending calls fail with ErrNodeClosed). detach closes
// and removes the new channel, but only while it is still the node's, so the
// cleanup of a replaced stream leaves its replacement alone; it reports
// whether it did.
func (n *Node) attach(ctx context.Context, s messageSender) (detach func() bool) {
	ch := newAcceptedChannel(ctx, n.id, s, n.router)
	n.mu.Lock()
	old := n.ch
	n.ch = ch
	n.mu.Unlock()
	if old != nil {
		_ = old.close()
	}
	return func() bool {
		n.mu.Lock()
		current := n.ch == channel(ch)
		if current {
			n.ch = nil
		}
		n.mu.Unlock()
		if current {
			_ = ch.close()
		}
		return current
	}
}

// routeAccepted handles a message from the node's accepted stream.
func (n *Node) routeAccepted(ctx context.Context, msg *streampb.Message, release func(), send func(*streampb.Message)) {
	n.router.routeAccepted(ctx, n.id, msg, release, send)
}
