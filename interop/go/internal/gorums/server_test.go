package gorums

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	storagepb "gorums-ts.dev/interop/gen/storage"
	streampb "gorums-ts.dev/interop/gen/stream"
)

func readRequest(t *testing.T, seqNo uint64, method, key string) *streampb.Message {
	return &streampb.Message{MessageSeqNo: seqNo, Method: method, Payload: mustMarshal(t, &storagepb.ReadRequest{Key: key})}
}

func decodeRead(t *testing.T, m *streampb.Message) *storagepb.ReadResponse {
	t.Helper()
	r := &storagepb.ReadResponse{}
	if err := proto.Unmarshal(m.GetPayload(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestServerErrors(t *testing.T) {
	_, addr := newEchoServer(t, ServerOptions{}, "")
	st := rawStream(t, addr)

	if err := st.Send(readRequest(t, 1, "proto.Storage.Nope", "")); err != nil {
		t.Fatal(err)
	}
	got := recvTimeout(t, st, 5*time.Second)
	if got.GetMessageSeqNo() != 1 || got.GetMethod() != "proto.Storage.Nope" ||
		codes.Code(got.GetStatus().GetCode()) != codes.Unimplemented ||
		got.GetStatus().GetMessage() != "no handler registered for method proto.Storage.Nope" {
		t.Errorf("unknown method reply = %v", got)
	}

	if err := st.Send(&streampb.Message{MessageSeqNo: 2, Method: methodReadRPC, Payload: []byte{0xff, 0xff}}); err != nil {
		t.Fatal(err)
	}
	got = recvTimeout(t, st, 5*time.Second)
	if codes.Code(got.GetStatus().GetCode()) != codes.Unknown ||
		!strings.HasPrefix(got.GetStatus().GetMessage(), "gorums: could not unmarshal request:") {
		t.Errorf("undecodable reply = %v", got)
	}
}

func TestServerHandlerErrorStatus(t *testing.T) {
	srv, addr := newEchoServer(t, ServerOptions{}, "")
	srv.Register(methodReadRPC, func(_ *ServerCtx, _ proto.Message) (proto.Message, error) {
		return nil, context.DeadlineExceeded // not a status: UNKNOWN with its text
	})
	st := rawStream(t, addr)
	if err := st.Send(readRequest(t, 1, methodReadRPC, "")); err != nil {
		t.Fatal(err)
	}
	got := recvTimeout(t, st, 5*time.Second)
	if codes.Code(got.GetStatus().GetCode()) != codes.Unknown || got.GetStatus().GetMessage() != "context deadline exceeded" {
		t.Errorf("reply = %v", got)
	}
}

func TestServerSendsNoHeadersBeforeFirstMessage(t *testing.T) {
	srv, addr := newEchoServer(t, ServerOptions{}, "")
	srv.Register(methodWriteUnicast, func(*ServerCtx, proto.Message) (proto.Message, error) { return nil, nil })
	st := rawStream(t, addr)
	if err := st.Send(&streampb.Message{MessageSeqNo: 1, Method: methodWriteUnicast}); err != nil {
		t.Fatal(err)
	}
	headers := make(chan metadata.MD, 1)
	go func() {
		md, _ := st.Header()
		headers <- md
	}()
	select {
	case <-headers:
		t.Fatal("the server sent its headers before any message (or answered a one-way call)")
	case <-time.After(300 * time.Millisecond):
	}
	if err := st.Send(readRequest(t, 2, methodReadRPC, "x")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-headers:
	case <-time.After(5 * time.Second):
		t.Fatal("no headers with the first reply")
	}
	if got := recvTimeout(t, st, 5*time.Second); got.GetMessageSeqNo() != 2 {
		t.Errorf("first message = %v, want the reply to 2 (one-way calls get none)", got)
	}
}

func TestServerDispatchesInOrderUntilRelease(t *testing.T) {
	srv, addr := newEchoServer(t, ServerOptions{}, "")
	var mu sync.Mutex
	var order []string
	proceed := make(chan struct{})
	srv.Register(methodReadRPC, func(ctx *ServerCtx, m proto.Message) (proto.Message, error) {
		key := m.(*storagepb.ReadRequest).GetKey()
		mu.Lock()
		order = append(order, key)
		mu.Unlock()
		switch key {
		case "blocks":
			<-proceed
		case "releases":
			ctx.Release()
			<-proceed
		}
		return &storagepb.ReadResponse{Value: key}, nil
	})
	st := rawStream(t, addr)
	for i, key := range []string{"blocks", "second"} {
		if err := st.Send(readRequest(t, uint64(i+1), methodReadRPC, key)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	if len(order) != 1 {
		t.Fatalf("dispatched %v while the first handler held the stream", order)
	}
	mu.Unlock()
	proceed <- struct{}{}
	if got := decodeRead(t, recvTimeout(t, st, 5*time.Second)).GetValue(); got != "blocks" {
		t.Errorf("first reply %q", got)
	}
	if got := decodeRead(t, recvTimeout(t, st, 5*time.Second)).GetValue(); got != "second" {
		t.Errorf("second reply %q", got)
	}

	// A handler that releases lets the next request run before it returns:
	// replies may then come out of order.
	for i, key := range []string{"releases", "after"} {
		if err := st.Send(readRequest(t, uint64(i+3), methodReadRPC, key)); err != nil {
			t.Fatal(err)
		}
	}
	if got := decodeRead(t, recvTimeout(t, st, 5*time.Second)).GetValue(); got != "after" {
		t.Errorf("reply after release = %q, want after", got)
	}
	proceed <- struct{}{}
	if got := decodeRead(t, recvTimeout(t, st, 5*time.Second)).GetValue(); got != "releases" {
		t.Errorf("last reply = %q", got)
	}
}

func TestServerHandlerSeesHeadersAndEntries(t *testing.T) {
	srv, addr := newEchoServer(t, ServerOptions{}, "")
	srv.Register(methodReadRPC, func(ctx *ServerCtx, _ proto.Message) (proto.Message, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		return &storagepb.ReadResponse{Value: strings.Join(md.Get("k"), ",")}, nil
	})
	st := rawStream(t, addr, "k", "header")
	req := readRequest(t, 1, methodReadRPC, "")
	req.Entry = []*streampb.MetadataEntry{{Key: "k", Value: "entry"}}
	if err := st.Send(req); err != nil {
		t.Fatal(err)
	}
	if got := decodeRead(t, recvTimeout(t, st, 5*time.Second)).GetValue(); got != "header,entry" {
		t.Errorf("handler saw k = %q, want header,entry", got)
	}
}

func TestServerStreamingRepliesShareSeqNo(t *testing.T) {
	srv, addr := newEchoServer(t, ServerOptions{}, "")
	srv.Register(methodReadCorrectable, func(ctx *ServerCtx, _ proto.Message) (proto.Message, error) {
		for i := range 3 {
			ctx.Send(&storagepb.ReadResponse{Value: string(rune('a' + i))})
		}
		return nil, nil
	})
	st := rawStream(t, addr)
	if err := st.Send(readRequest(t, 9, methodReadCorrectable, "")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a", "b", "c"} {
		got := recvTimeout(t, st, 5*time.Second)
		if got.GetMessageSeqNo() != 9 || got.GetMethod() != methodReadCorrectable || decodeRead(t, got).GetValue() != want {
			t.Errorf("reply = %v, want seq 9 value %q", got, want)
		}
	}
}
