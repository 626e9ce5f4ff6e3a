package gorums

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	storagepb "gorums-ts.dev/interop/gen/storage"
	streampb "gorums-ts.dev/interop/gen/stream"
)

// fakeServer is a bare NodeStream server that hands every accepted stream
// to the test.
type fakeServer struct {
	streampb.UnimplementedGorumsServer
	streams chan *fakeStream
}

type fakeStream struct {
	md   metadata.MD
	st   streampb.Gorums_NodeStreamServer
	msgs chan *streampb.Message
	end  chan struct{}
}

func (s *fakeServer) NodeStream(st streampb.Gorums_NodeStreamServer) error {
	md, _ := metadata.FromIncomingContext(st.Context())
	fs := &fakeStream{md: md, st: st, msgs: make(chan *streampb.Message, 16), end: make(chan struct{})}
	s.streams <- fs
	errs := make(chan error, 1)
	go func() {
		for {
			m, err := st.Recv()
			if err != nil {
				errs <- err
				return
			}
			fs.msgs <- m
		}
	}()
	select {
	case err := <-errs:
		return err
	case <-fs.end:
		return status.Error(codes.Aborted, "test ends the stream")
	}
}

func startFake(t *testing.T) (*fakeServer, string) {
	t.Helper()
	fake := &fakeServer{streams: make(chan *fakeStream, 16)}
	g := grpc.NewServer()
	streampb.RegisterGorumsServer(g, fake)
	lis := listen(t)
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(g.Stop)
	return fake, lis.Addr().String()
}

func (s *fakeServer) next(t *testing.T) *fakeStream {
	t.Helper()
	select {
	case fs := <-s.streams:
		return fs
	case <-time.After(5 * time.Second):
		t.Fatal("no stream opened")
		return nil
	}
}

func (fs *fakeStream) next(t *testing.T) *streampb.Message {
	t.Helper()
	select {
	case m := <-fs.msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message on the stream")
		return nil
	}
}

func TestChannelOpensStreamEagerlyWithHeaders(t *testing.T) {
	fake, addr := startFake(t)
	newTestManager(t, []NodeAddr{{1, addr}}, DialOptions{})
	plain := fake.next(t)
	if v := plain.md.Get(NodeIDHeader); len(v) != 0 {
		t.Errorf("plain client sent %s: %v", NodeIDHeader, v)
	}

	newTestManager(t, []NodeAddr{{1, addr}}, DialOptions{
		Metadata: metadata.Pairs("x-app", "yes", NodeIDHeader, "0"),
	})
	peer := fake.next(t)
	if got := peer.md.Get(NodeIDHeader); len(got) != 1 || got[0] != "0" {
		t.Errorf("%s = %v, want [0]", NodeIDHeader, got)
	}
	if got := peer.md.Get("x-app"); len(got) != 1 || got[0] != "yes" {
		t.Errorf("x-app = %v", got)
	}
}

func TestChannelSequenceNumbersAndEntries(t *testing.T) {
	fakeA, addrA := startFake(t)
	fakeB, addrB := startFake(t)
	m := newTestManager(t, []NodeAddr{{1, addrA}, {2, addrB}}, DialOptions{})
	a, b := fakeA.next(t), fakeB.next(t)
	cfg := m.Config()

	ctx := metadata.AppendToOutgoingContext(context.Background(), "Trace", "t1")
	go func() {
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, _ = QuorumCall[*storagepb.ReadResponse](cctx, cfg, methodReadQC, &storagepb.ReadRequest{Key: "k"}, false).Majority()
	}()
	ma, mb := a.next(t), b.next(t)
	if ma.GetMessageSeqNo() != 1 || mb.GetMessageSeqNo() != 1 {
		t.Errorf("quorum call seq nos = %d, %d; want 1 on both", ma.GetMessageSeqNo(), mb.GetMessageSeqNo())
	}
	if ma.GetMethod() != methodReadQC {
		t.Errorf("method = %q", ma.GetMethod())
	}
	if len(ma.GetEntry()) != 1 || ma.GetEntry()[0].GetKey() != "trace" || ma.GetEntry()[0].GetValue() != "t1" {
		t.Errorf("entries = %v, want [trace=t1]", ma.GetEntry())
	}
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, _ = RPC[*storagepb.ReadResponse](cctx, cfg[1], methodReadRPC, &storagepb.ReadRequest{})
	}()
	if got := b.next(t).GetMessageSeqNo(); got != 2 {
		t.Errorf("next call's seq no = %d, want 2", got)
	}
}

func TestChannelResendsAfterStreamFailure(t *testing.T) {
	fake, addr := startFake(t)
	m := newTestManager(t, []NodeAddr{{1, addr}}, DialOptions{})
	first := fake.next(t)
	node := m.Config()[0]

	type result struct {
		resp *storagepb.ReadResponse
		err  error
	}
	rpc := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := RPC[*storagepb.ReadResponse](ctx, node, methodReadRPC, &storagepb.ReadRequest{Key: "again"})
		rpc <- result{r, err}
	}()
	sent := first.next(t)
	streamingErr := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for res := range QuorumCall[*storagepb.ReadResponse](ctx, m.Config(), methodReadCorrectable, &storagepb.ReadRequest{}, true).Results() {
			streamingErr <- res.Err
			return
		}
	}()
	first.next(t) // the streaming call's request
	close(first.end)

	// The two-way call is sent again, with the same sequence number, on a
	// stream the channel re-creates for it; the streaming one fails.
	second := fake.next(t)
	again := second.next(t)
	if again.GetMessageSeqNo() != sent.GetMessageSeqNo() {
		t.Errorf("re-sent seq no %d, want %d", again.GetMessageSeqNo(), sent.GetMessageSeqNo())
	}
	select {
	case err := <-streamingErr:
		if !errors.Is(err, ErrStreamDown) {
			t.Errorf("streaming call error = %v, want ErrStreamDown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("streaming call did not fail")
	}
	reply := &streampb.Message{MessageSeqNo: again.GetMessageSeqNo(), Method: again.GetMethod(),
		Payload: mustMarshal(t, &storagepb.ReadResponse{Ok: true, Value: "second stream"})}
	if err := second.st.Send(reply); err != nil {
		t.Fatal(err)
	}
	r := <-rpc
	if r.err != nil || r.resp.GetValue() != "second stream" {
		t.Fatalf("rpc = %v, %v", r.resp, r.err)
	}
}

func TestChannelRecreatesStreamLazily(t *testing.T) {
	fake, addr := startFake(t)
	m := newTestManager(t, []NodeAddr{{1, addr}}, DialOptions{})
	first := fake.next(t)
	close(first.end)
	select {
	case <-fake.streams:
		t.Fatal("a stream was re-opened without a send")
	case <-time.After(300 * time.Millisecond):
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Unicast(ctx, m.Config()[0], methodWriteUnicast, &storagepb.WriteRequest{Key: "k"}); err != nil {
		t.Fatal(err)
	}
	second := fake.next(t)
	if got := second.next(t).GetMethod(); got != methodWriteUnicast {
		t.Errorf("method = %q", got)
	}
}

func TestChannelServesBackChannelRequests(t *testing.T) {
	fake, addr := startFake(t)
	srv, err := NewServer(ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(methodReadRPC, echoHandler("back: "))
	newTestManager(t, []NodeAddr{{1, addr}}, DialOptions{Handler: srv, Metadata: metadata.Pairs(NodeIDHeader, "0")})
	st := fake.next(t)
	req := &streampb.Message{MessageSeqNo: serverInitiated | 1, Method: methodReadRPC,
		Payload: mustMarshal(t, &storagepb.ReadRequest{Key: "hi"})}
	if err := st.st.Send(req); err != nil {
		t.Fatal(err)
	}
	// An unknown low-bit reply on the dialed stream is dropped, not served.
	if err := st.st.Send(&streampb.Message{MessageSeqNo: 42, Method: methodReadRPC}); err != nil {
		t.Fatal(err)
	}
	got := st.next(t)
	if got.GetMessageSeqNo() != req.GetMessageSeqNo() || got.GetMethod() != methodReadRPC || got.GetStatus() != nil {
		t.Fatalf("back-channel reply = %v", got)
	}
	select {
	case extra := <-st.msgs:
		t.Fatalf("unexpected message %v", extra)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestChannelNodeClosed(t *testing.T) {
	_, addr := startFake(t)
	m := newTestManager(t, []NodeAddr{{1, addr}}, DialOptions{})
	_ = m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := RPC[*storagepb.ReadResponse](ctx, m.Config()[0], methodReadRPC, &storagepb.ReadRequest{})
	if !errors.Is(err, ErrNodeClosed) {
		t.Errorf("err = %v, want ErrNodeClosed", err)
	}
}

// blockingSender is an accepted stream whose first write blocks until
// released.
type blockingSender struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingSender) Send(*streampb.Message) error {
	blocked := false
	b.once.Do(func() { blocked = true })
	if blocked {
		close(b.entered)
		<-b.release
	}
	return nil
}

// TestAcceptedChannelCancelMidWrite pins a Go Gorums behavior: a caller whose
// context ends while its message is being written takes the stream down, and
// an accepted stream is never re-opened: later calls fail with ErrStreamDown.
func TestAcceptedChannelCancelMidWrite(t *testing.T) {
	s := &blockingSender{entered: make(chan struct{}), release: make(chan struct{})}
	n := &Node{id: 2, router: newRouter(nil), nextSeq: func() uint64 { return serverInitiated | 1 }}
	detach := n.attach(context.Background(), s)
	defer detach()

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan Reply, 1)
	go n.enqueue(request{ctx: ctx, msg: &streampb.Message{MessageSeqNo: serverInitiated | 1}, oneway: true, replies: first})
	<-s.entered
	cancel()
	ch := n.channel().(*acceptedChannel)
	eventually(t, "the stream to be dropped", func() bool { _, err := ch.acquire(); return err != nil })
	close(s.release)

	later := make(chan Reply, 1)
	n.enqueue(request{ctx: context.Background(), msg: &streampb.Message{MessageSeqNo: serverInitiated | 2}, oneway: true, replies: later})
	select {
	case r := <-later:
		if !errors.Is(r.Err, ErrStreamDown) {
			t.Errorf("later call: %v, want ErrStreamDown", r.Err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("later call got no answer")
	}
}
