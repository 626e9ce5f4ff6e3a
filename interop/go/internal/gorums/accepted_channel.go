package gorums

import (
	"context"
	"sync"
)

// acceptedChannel is a node's channel over a NodeStream the node opened to
// this process (Go Gorums: internal/stream/channel.go, NewInboundChannel).
// It only writes: the server's NodeStream loop is the stream's one reader. It
// never re-opens a stream; once the stream failed or the channel closed,
// calls fail with ErrStreamDown or ErrNodeClosed.
type acceptedChannel struct {
	*sendQueue
	cancel context.CancelFunc

	mu     sync.Mutex
	stream messageSender

	closeOnce sync.Once
}

// newAcceptedChannel starts the channel's send loop; ctx is the stream's.
func newAcceptedChannel(ctx context.Context, id uint32, s messageSender, r *router) *acceptedChannel {
	ctx, cancel := context.WithCancel(ctx)
	c := &acceptedChannel{cancel: cancel, stream: s}
	c.sendQueue = newSendQueue(ctx, id, r, c)
	go c.run(nil)
	return c
}

func (c *acceptedChannel) acquire() (messageSender, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == nil {
		return nil, ErrStreamDown
	}
	return c.stream, nil
}

func (c *acceptedChannel) discard(s messageSender) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == nil || c.stream != s {
		return false
	}
	c.stream = nil
	return true
}

// close stops the send loop and fails the node's pending calls with
// ErrNodeClosed; the stream itself ends with its NodeStream handler.
func (c *acceptedChannel) close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.failPending(ErrNodeClosed)
	})
	return nil
}
