package gorums

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"

	streampb "gorums-ts.dev/interop/gen/stream"
)

type clientStream = grpc.BidiStreamingClient[streampb.Message, streampb.Message]

// dialedChannel is a node's channel over a NodeStream this process opened on
// its own gRPC connection to the node (Go Gorums: internal/stream/channel.go,
// NewOutboundChannel).
//
// The stream is opened eagerly when the channel starts, and again whenever a
// request is to be sent and there is no stream or the connection is not
// READY (a replaced stream is not cancelled, as in Go). When the stream
// fails, pending two-way calls are sent again on the next stream and
// streaming ones fail with ErrStreamDown; nothing re-opens the stream until
// the next send.
type dialedChannel struct {
	*sendQueue
	conn   *grpc.ClientConn
	cancel context.CancelFunc

	mu           sync.Mutex
	stream       clientStream
	cancelStream context.CancelFunc
	ready        chan struct{} // a stream may be there for the receiver

	closeOnce sync.Once
	closeErr  error
}

// newDialedChannel starts the channel's loops. ctx carries the dial metadata
// as outgoing metadata: it becomes the stream's headers. attempted is called
// once the eager attempt to open the stream has finished.
func newDialedChannel(ctx context.Context, id uint32, conn *grpc.ClientConn, r *router, attempted func()) *dialedChannel {
	ctx, cancel := context.WithCancel(ctx)
	c := &dialedChannel{conn: conn, cancel: cancel, ready: make(chan struct{}, 1)}
	c.sendQueue = newSendQueue(ctx, id, r, c)
	go c.run(attempted)
	go c.receive()
	return c
}

// acquire returns the current stream, opening a new one unless the
// connection is READY and a stream is there.
func (c *dialedChannel) acquire() (messageSender, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream != nil && c.conn.GetState() == connectivity.Ready {
		return c.stream, nil
	}
	sctx, cancel := context.WithCancel(c.ctx)
	st, err := streampb.NewGorumsClient(c.conn).NodeStream(sctx)
	if err != nil {
		cancel()
		c.stream, c.cancelStream = nil, nil
		return nil, err
	}
	c.stream, c.cancelStream = st, cancel
	select {
	case c.ready <- struct{}{}:
	default:
	}
	return st, nil
}

// current is the stream the receiver should read, or nil.
func (c *dialedChannel) current() clientStream {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stream
}

func (c *dialedChannel) discard(s messageSender) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == nil || messageSender(c.stream) != s {
		return false
	}
	c.cancelStream()
	c.stream, c.cancelStream = nil, nil
	return true
}

// receive reads the current stream until the channel closes, routing what
// arrives; when the stream fails it re-sends the pending calls (if the
// stream was still current) and waits for the next stream.
func (c *dialedChannel) receive() {
	for {
		st := c.current()
		if st == nil {
			select {
			case <-c.ready:
				continue
			case <-c.ctx.Done():
				return
			}
		}
		msg, err := st.Recv()
		if err != nil {
			if c.discard(st) {
				c.resendPending()
			}
			if c.ctx.Err() != nil {
				return
			}
			continue
		}
		c.router.routeDialed(c.ctx, c.id, msg, c.enqueue)
	}
}

// close stops the loops, fails the pending calls with ErrNodeClosed and
// closes the connection.
func (c *dialedChannel) close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.failPending(ErrNodeClosed)
		c.closeErr = c.conn.Close()
	})
	return c.closeErr
}
