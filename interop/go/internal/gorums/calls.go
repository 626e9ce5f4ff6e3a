package gorums

import (
	"context"

	"google.golang.org/protobuf/proto"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// RPCRaw sends req to node as a two-way call and returns the reply envelope
// (Go Gorums: rpc.go). The call's outgoing metadata becomes the message's
// entries. A reply with a status is returned as that status's error.
func RPCRaw(ctx context.Context, node *Node, method string, req proto.Message) (*streampb.Message, error) {
	msg, err := newRequestMessage(ctx, node.nextSeq(), method, req)
	if err != nil {
		return nil, err
	}
	replies := make(chan Reply, 1)
	node.enqueue(request{ctx: ctx, msg: msg, replies: replies})
	select {
	case r := <-replies:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Msg, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// RPC is [RPCRaw] with the reply decoded as Go Gorums does: by the method the
// reply names, then asserted to Resp.
func RPC[Resp proto.Message](ctx context.Context, node *Node, method string, req proto.Message) (Resp, error) {
	msg, err := RPCRaw(ctx, node, method, req)
	if err != nil {
		var zero Resp
		return zero, err
	}
	return decodeReply[Resp](msg)
}

// Unicast sends req to node as a one-way call and returns once it was written
// to the stream (Go Gorums: unicast.go, without IgnoreErrors).
func Unicast(ctx context.Context, node *Node, method string, req proto.Message) error {
	msg, err := newRequestMessage(ctx, node.nextSeq(), method, req)
	if err != nil {
		return err
	}
	confirm := make(chan Reply, 1)
	node.enqueue(request{ctx: ctx, msg: msg, oneway: true, replies: confirm})
	select {
	case r := <-confirm:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Multicast sends req, with one sequence number, to every node of cfg as a
// one-way call and returns once it was written everywhere; nodes where it
// could not be written make a QuorumCallError with cause ErrSendFailure (Go
// Gorums: multicast.go, without IgnoreErrors).
func Multicast(ctx context.Context, cfg Configuration, method string, req proto.Message) error {
	if len(cfg) == 0 {
		return ErrEmptyConfiguration
	}
	confirm := make(chan Reply, len(cfg))
	msg, err := newRequestMessage(ctx, cfg[0].nextSeq(), method, req)
	if err != nil {
		for _, n := range cfg {
			confirm <- Reply{NodeID: n.id, Err: err}
		}
	} else {
		for _, n := range cfg {
			n.enqueue(request{ctx: ctx, msg: msg, oneway: true, replies: confirm})
		}
	}
	var failed []NodeError
	for range cfg {
		select {
		case r := <-confirm:
			if r.Err != nil {
				failed = append(failed, NodeError{NodeID: r.NodeID, Cause: r.Err})
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if len(failed) > 0 {
		return QuorumCallError{Cause: ErrSendFailure, Nodes: failed}
	}
	return nil
}
