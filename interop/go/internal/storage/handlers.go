package storage

import (
	"context"
	"log"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	storagepb "gorums-ts.dev/interop/gen/storage"
	"gorums-ts.dev/interop/internal/gorums"
)

// correctableGap is the time between ReadCorrectable's two replies.
const correctableGap = 10 * time.Millisecond

// nestedTimeout bounds ReadNestedQC's nested quorum call.
const nestedTimeout = 2 * time.Second

// errNoPeers answers a nested call on a server whose Config is empty.
var errNoPeers = status.Error(codes.FailedPrecondition, "no peers")

// Register installs the Storage handlers of st on srv. One-way handlers
// (WriteUnicast, WriteMulticast) never answer, not even with an error, as a
// Go Gorums one-way handler cannot; a failure there is only logged.
func Register(srv *gorums.Server, st *Store) {
	register := func(method string, h gorums.Handler) {
		srv.Register(method, func(ctx *gorums.ServerCtx, req proto.Message) (proto.Message, error) {
			st.count(method)
			return h(ctx, req)
		})
	}
	register(ReadRPC, st.read)
	register(ReadQC, st.read)
	register(WriteRPC, st.write)
	register(WriteQC, st.write)
	register(WriteUnicast, st.writeOneway)
	register(WriteMulticast, st.writeOneway)
	register(ReadCorrectable, st.readCorrectable)
	register(ReadNestedQC, st.readNestedQC)
	register(WriteNestedMulticast, st.writeNestedMulticast)
}

func (s *Store) read(ctx *gorums.ServerCtx, m proto.Message) (proto.Message, error) {
	req := m.(*storagepb.ReadRequest)
	if method, ok := strings.CutPrefix(req.GetKey(), countPrefix); ok {
		return &storagepb.ReadResponse{Ok: true, Value: strconv.FormatUint(s.Calls(method), 10)}, nil
	}
	if resp, handled, err := specialRead(ctx, req.GetKey()); handled {
		return replyOrError(resp, err)
	}
	return s.Read(req.GetKey()), nil
}

func (s *Store) write(ctx *gorums.ServerCtx, m proto.Message) (proto.Message, error) {
	req := m.(*storagepb.WriteRequest)
	if err := specialWrite(ctx, req.GetKey()); err != nil {
		return nil, err
	}
	return &storagepb.WriteResponse{New: s.Write(req)}, nil
}

func (s *Store) writeOneway(ctx *gorums.ServerCtx, m proto.Message) (proto.Message, error) {
	req := m.(*storagepb.WriteRequest)
	if err := specialWrite(ctx, req.GetKey()); err != nil {
		log.Printf("%s %q: %v (one-way: not answered)", ctx.Method(), req.GetKey(), err)
		return nil, nil
	}
	s.Write(req)
	return nil, nil
}

// readCorrectable answers with the key's entry, then again 10 ms later (a
// special key's answer is computed once and sent twice).
func (s *Store) readCorrectable(ctx *gorums.ServerCtx, m proto.Message) (proto.Message, error) {
	req := m.(*storagepb.ReadRequest)
	special, handled, err := specialRead(ctx, req.GetKey())
	if err != nil {
		return nil, err
	}
	answer := func() *storagepb.ReadResponse {
		if handled {
			return special
		}
		return s.Read(req.GetKey())
	}
	ctx.Send(answer())
	t := time.NewTimer(correctableGap)
	defer t.Stop()
	select {
	case <-t.C:
		ctx.Send(answer())
	case <-ctx.Done():
	}
	return nil, nil
}

// readNestedQC releases the stream, reads the key with a quorum call over
// the server's Config (itself included), waiting for a majority of it, and
// answers with the newest value it saw.
func (s *Store) readNestedQC(ctx *gorums.ServerCtx, m proto.Message) (proto.Message, error) {
	req := m.(*storagepb.ReadRequest)
	if resp, handled, err := specialRead(ctx, req.GetKey()); handled {
		return replyOrError(resp, err)
	}
	cfg := ctx.Config()
	if cfg.Size() == 0 {
		return nil, errNoPeers
	}
	ctx.Release()
	// Not cancelled on return: the call may still be writing to the nodes
	// beyond the majority, and a context that ends mid-write tears the
	// stream down (an accepted one for good), as in Go Gorums.
	qctx, cancel := context.WithTimeout(ctx, nestedTimeout)
	defer time.AfterFunc(nestedTimeout, cancel)
	quorum := cfg.Size()/2 + 1
	var (
		newest *storagepb.ReadResponse
		count  int
		failed []gorums.NodeError
	)
	for res := range gorums.QuorumCall[*storagepb.ReadResponse](qctx, cfg, ReadQC, req, false).Results() {
		if res.Err != nil {
			failed = append(failed, gorums.NodeError{NodeID: res.NodeID, Cause: res.Err})
			continue
		}
		if newest == nil || Newer(res.Value.GetTime(), newest.GetTime()) {
			newest = res.Value
		}
		if count++; count >= quorum {
			return newest, nil
		}
	}
	return nil, gorums.QuorumCallError{Cause: gorums.ErrIncomplete, Nodes: failed}
}

// writeNestedMulticast releases the stream, multicasts the write over the
// server's Config (itself included) and answers new=true.
func (s *Store) writeNestedMulticast(ctx *gorums.ServerCtx, m proto.Message) (proto.Message, error) {
	req := m.(*storagepb.WriteRequest)
	if err := specialWrite(ctx, req.GetKey()); err != nil {
		return nil, err
	}
	cfg := ctx.Config()
	if cfg.Size() == 0 {
		return nil, errNoPeers
	}
	ctx.Release()
	if err := gorums.Multicast(ctx, cfg, WriteMulticast, req); err != nil {
		return nil, err
	}
	return &storagepb.WriteResponse{New: true}, nil
}

// replyOrError avoids returning a typed nil as a reply.
func replyOrError(resp *storagepb.ReadResponse, err error) (proto.Message, error) {
	if err != nil {
		return nil, err
	}
	return resp, nil
}
