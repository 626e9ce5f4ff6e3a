package gorums

import (
	"context"
	"sync"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// RequestHandler serves requests that arrive on a stream. release lets the
// stream dispatch its next request (it is idempotent); send writes a reply
// envelope. peer is the caller's node ID as this process knows it (0 for an
// untracked client).
type RequestHandler interface {
	HandleRequest(ctx context.Context, peer uint32, msg *streampb.Message, release func(), send func(*streampb.Message))
}

// router keeps a node's calls that wait for replies, by sequence number, and
// demultiplexes what arrives from the node (Go Gorums:
// internal/stream/router.go). It belongs to the node, so it outlives the
// node's channels.
type router struct {
	mu      sync.Mutex
	pending map[uint64]request
	handler RequestHandler // may be nil
	// local serializes in-process dispatch to the self node the way a
	// stream serializes its requests.
	local sync.Mutex
}

func newRouter(h RequestHandler) *router {
	return &router{pending: make(map[uint64]request), handler: h}
}

// register records req as waiting for replies to its sequence number.
func (r *router) register(req request) {
	r.mu.Lock()
	r.pending[req.msg.GetMessageSeqNo()] = req
	r.mu.Unlock()
}

// pendingCount is the number of calls waiting for replies.
func (r *router) pendingCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// deliverReply hands a reply to the call waiting for its sequence number; a
// non-streaming call's entry goes with its first reply. A reply nobody waits
// for is dropped. It reports whether a call was waiting.
func (r *router) deliverReply(id uint32, msg *streampb.Message) bool {
	seqNo := msg.GetMessageSeqNo()
	r.mu.Lock()
	req, ok := r.pending[seqNo]
	if ok && !req.streaming {
		delete(r.pending, seqNo)
	}
	r.mu.Unlock()
	if ok {
		req.deliver(Reply{NodeID: id, Msg: msg, Err: replyError(msg)})
	}
	return ok
}

// takeAll removes every waiting call.
func (r *router) takeAll() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := make([]request, 0, len(r.pending))
	for seqNo, req := range r.pending {
		all = append(all, req)
		delete(r.pending, seqNo)
	}
	return all
}

// takeForResend removes every waiting call and splits them into the ones to
// send again on the next stream (plain two-way calls) and the ones that must
// fail (streaming calls, which may have had replies already).
func (r *router) takeForResend() (resend, drop []request) {
	for _, req := range r.takeAll() {
		if req.streaming {
			drop = append(drop, req)
		} else {
			resend = append(resend, req)
		}
	}
	return resend, drop
}

// routeDialed handles a message from a stream this process dialed. A
// server-initiated sequence number is a request from the other side: it goes
// to the handler in its own goroutine, concurrently with everything else
// (there is nothing to release), with ctx (the channel's context: dial
// metadata as outgoing metadata, no incoming metadata, no entries), and its
// replies are queued on the same channel. Anything else is a reply.
func (r *router) routeDialed(ctx context.Context, id uint32, msg *streampb.Message, enqueue func(request)) {
	if !isServerInitiated(msg.GetMessageSeqNo()) {
		r.deliverReply(id, msg)
		return
	}
	if r.handler == nil {
		return
	}
	send := func(out *streampb.Message) { enqueue(request{ctx: ctx, msg: out}) }
	go r.handler.HandleRequest(ctx, id, msg, func() {}, send)
}

// routeAccepted handles a message from a stream this process accepted from a
// tracked peer: a client-initiated sequence number is a request (to the
// handler, in its own goroutine, with the stream headers and the message's
// entries as incoming metadata), a server-initiated one a reply to a call
// this side made. release is always called, by the handler or here.
func (r *router) routeAccepted(ctx context.Context, id uint32, msg *streampb.Message, release func(), send func(*streampb.Message)) {
	if isServerInitiated(msg.GetMessageSeqNo()) {
		r.deliverReply(id, msg)
		release()
		return
	}
	if r.handler == nil {
		release()
		return
	}
	go r.handler.HandleRequest(withEntries(ctx, msg), id, msg, release, send)
}

// dispatchLocal runs req in-process for the self node id: the next local
// dispatch waits until this handler returns or releases. A one-way caller is
// confirmed before the handler runs.
func (r *router) dispatchLocal(id uint32, req request) {
	if err := req.ctx.Err(); err != nil {
		req.fail(id, err)
		return
	}
	if r.handler == nil {
		req.fail(id, ErrNoHandler)
		return
	}
	if req.awaitsSend() {
		if !req.deliver(Reply{NodeID: id}) {
			return
		}
	}
	send := func(out *streampb.Message) {
		if req.awaitsReply() {
			req.deliver(Reply{NodeID: id, Msg: out, Err: replyError(out)})
		}
	}
	r.local.Lock()
	var once sync.Once
	release := func() { once.Do(r.local.Unlock) }
	go r.handler.HandleRequest(withEntries(req.ctx, req.msg), id, req.msg, release, send)
}
