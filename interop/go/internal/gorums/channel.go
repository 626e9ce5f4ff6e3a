package gorums

import (
	"cmp"
	"context"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// channel carries a node's requests to it: over a stream this process
// dialed, over a stream it accepted, or in-process for the self node.
type channel interface {
	enqueue(req request)
	close() error
}

// messageSender is the writing half of a NodeStream, client or server side.
type messageSender interface {
	Send(*streampb.Message) error
}

// streamHost is what a send loop needs from its channel.
type streamHost interface {
	// acquire returns the stream to write to, creating one if the channel can
	// (a dialed channel) or failing with ErrStreamDown (an accepted one).
	acquire() (messageSender, error)
	// discard forgets s if it is still the current stream, and reports
	// whether it was (only then may the caller re-send the pending calls).
	discard(s messageSender) bool
}

// sendQueue is the single writer of a channel's stream: callers hand it
// requests one at a time (the queue is unbuffered, as Go Gorums' default send
// buffer of 0), and its loop writes them in order (Go Gorums:
// internal/stream/channel.go, sender).
type sendQueue struct {
	id     uint32
	router *router
	ctx    context.Context // ends when the channel closes
	queue  chan request
	host   streamHost
}

func newSendQueue(ctx context.Context, id uint32, r *router, host streamHost) *sendQueue {
	return &sendQueue{id: id, router: r, ctx: ctx, queue: make(chan request), host: host}
}

// enqueue waits until the loop takes req, or fails it with ErrNodeClosed once
// the channel is closed. It does not watch req's own context: a caller waits
// for a busy loop even past its deadline, as in Go Gorums.
func (q *sendQueue) enqueue(req request) {
	if q.ctx.Err() != nil {
		req.fail(q.id, ErrNodeClosed)
		return
	}
	select {
	case <-q.ctx.Done():
		req.fail(q.id, ErrNodeClosed)
	case q.queue <- req:
	}
}

// run writes requests until the channel closes. Before the first request it
// tries once to obtain a stream (a dialed channel opens its stream eagerly);
// attempted, if not nil, is called after that try.
func (q *sendQueue) run(attempted func()) {
	defer q.drain()
	_, _ = q.host.acquire()
	if attempted != nil {
		attempted()
	}
	for {
		var req request
		select {
		case <-q.ctx.Done():
			return
		case req = <-q.queue:
		}
		s, err := q.host.acquire()
		if err != nil {
			req.fail(q.id, err)
			continue
		}
		if err := req.ctx.Err(); err != nil {
			req.fail(q.id, err)
			continue
		}
		if req.awaitsReply() {
			q.router.register(req)
		}
		// A caller whose context ends while its message is being written
		// takes the stream down with it, so that the write returns.
		stop := context.AfterFunc(req.ctx, func() {
			if q.host.discard(s) {
				q.resendPending()
			}
		})
		err = s.Send(req.msg)
		stop()
		if err != nil {
			q.host.discard(s)
			q.resendPending()
			if !req.awaitsReply() {
				req.fail(q.id, cmp.Or(req.ctx.Err(), err))
			}
			continue
		}
		if req.awaitsSend() {
			req.deliver(Reply{NodeID: q.id})
		}
	}
}

// resendPending moves the calls waiting for replies back into the queue, to
// go out on the next stream; streaming calls fail with ErrStreamDown instead.
// The requests are queued from another goroutine, because the loop itself is
// the queue's only reader.
func (q *sendQueue) resendPending() {
	resend, drop := q.router.takeForResend()
	for _, req := range drop {
		req.fail(q.id, ErrStreamDown)
	}
	if len(resend) > 0 {
		go func() {
			for _, req := range resend {
				q.enqueue(req)
			}
		}()
	}
}

// drain fails whatever is still offered to the queue after the loop ended.
func (q *sendQueue) drain() {
	for {
		select {
		case req := <-q.queue:
			req.fail(q.id, ErrNodeClosed)
		default:
			return
		}
	}
}

// failPending fails every call waiting for replies on the node with err.
func (q *sendQueue) failPending(err error) {
	for _, req := range q.router.takeAll() {
		req.fail(q.id, err)
	}
}
