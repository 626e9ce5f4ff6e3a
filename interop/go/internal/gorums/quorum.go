package gorums

import (
	"context"
	"iter"
	"sync"

	"google.golang.org/protobuf/proto"
)

// Result is one node's answer in a quorum call.
type Result[Resp proto.Message] struct {
	NodeID uint32
	Value  Resp
	Err    error
}

// Responses is a quorum call in flight (Go Gorums: quorumcall.go,
// responses.go). Nothing is sent until it is first iterated or a terminal
// method runs; then one request, with one sequence number, goes to every node
// in the configuration's order.
type Responses[Resp proto.Message] struct {
	ctx       context.Context
	cfg       Configuration
	method    string
	req       proto.Message
	streaming bool
	seqNo     uint64
	replies   chan Reply
	sendOnce  sync.Once
}

// QuorumCall starts a quorum call of method on cfg. With streaming, it is a
// streaming quorum call: every node may answer any number of times, and the
// results only end when ctx does.
func QuorumCall[Resp proto.Message](ctx context.Context, cfg Configuration, method string, req proto.Message, streaming bool) *Responses[Resp] {
	r := &Responses[Resp]{ctx: ctx, cfg: cfg, method: method, req: req, streaming: streaming}
	if len(cfg) > 0 {
		r.seqNo = cfg[0].nextSeq()
		size := len(cfg)
		if streaming {
			size *= 10
		}
		r.replies = make(chan Reply, size)
	}
	return r
}

// Size is the number of nodes the call goes to.
func (r *Responses[Resp]) Size() int { return len(r.cfg) }

func (r *Responses[Resp]) send() {
	msg, err := newRequestMessage(r.ctx, r.seqNo, r.method, r.req)
	for _, n := range r.cfg {
		if err != nil {
			r.replies <- Reply{NodeID: n.id, Err: err}
			continue
		}
		n.enqueue(request{ctx: r.ctx, msg: msg, streaming: r.streaming, replies: r.replies})
	}
}

// Results yields the nodes' answers as they arrive, decoded like a Go Gorums
// client decodes them: at most one per node for a plain quorum call, without
// end for a streaming one; it stops early when the call's context ends.
func (r *Responses[Resp]) Results() iter.Seq[Result[Resp]] {
	return func(yield func(Result[Resp]) bool) {
		if len(r.cfg) == 0 {
			return
		}
		r.sendOnce.Do(r.send)
		for i := 0; r.streaming || i < len(r.cfg); i++ {
			select {
			case rep := <-r.replies:
				res := Result[Resp]{NodeID: rep.NodeID, Err: rep.Err}
				if res.Err == nil {
					res.Value, res.Err = decodeReply[Resp](rep.Msg)
				}
				if !yield(res) {
					return
				}
			case <-r.ctx.Done():
				return
			}
		}
	}
}

// Threshold returns the first successful value once threshold nodes have
// succeeded; if the results end before, a QuorumCallError with cause
// ErrIncomplete and the errors seen so far.
func (r *Responses[Resp]) Threshold(threshold int) (Resp, error) {
	var (
		first  Resp
		count  int
		failed []NodeError
	)
	if len(r.cfg) == 0 {
		return first, ErrEmptyConfiguration
	}
	for res := range r.Results() {
		if res.Err != nil {
			failed = append(failed, NodeError{NodeID: res.NodeID, Cause: res.Err})
			continue
		}
		if count == 0 {
			first = res.Value
		}
		count++
		if count >= threshold {
			return first, nil
		}
	}
	return first, QuorumCallError{Cause: ErrIncomplete, Nodes: failed}
}

// First is Threshold(1).
func (r *Responses[Resp]) First() (Resp, error) { return r.Threshold(1) }

// Majority is Threshold(⌊n/2⌋+1) for a configuration of n nodes.
func (r *Responses[Resp]) Majority() (Resp, error) { return r.Threshold(len(r.cfg)/2 + 1) }

// All is Threshold(n).
func (r *Responses[Resp]) All() (Resp, error) { return r.Threshold(len(r.cfg)) }
