package gorums

import (
	"context"
	"testing"
	"time"

	streampb "gorums-ts.dev/interop/gen/stream"
)

type recordingHandler struct {
	got chan *streampb.Message
}

func (h recordingHandler) HandleRequest(_ context.Context, _ uint32, msg *streampb.Message, release func(), _ func(*streampb.Message)) {
	release()
	h.got <- msg
}

func TestSeqNoHighBit(t *testing.T) {
	if isServerInitiated(1) || isServerInitiated(1<<62) {
		t.Error("low sequence numbers taken as server-initiated")
	}
	if !isServerInitiated(1<<63) || !isServerInitiated(1<<63|7) {
		t.Error("high-bit sequence numbers not taken as server-initiated")
	}
	im, err := newInboundManager(0, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := im.nextSeq(); got != 1<<63|1 {
		t.Errorf("first server-initiated seq no = %#x, want 1<<63|1", got)
	}
}

func TestRouterDeliversAndForgets(t *testing.T) {
	r := newRouter(nil)
	plain := make(chan Reply, 4)
	streaming := make(chan Reply, 4)
	ctx := context.Background()
	r.register(request{ctx: ctx, msg: &streampb.Message{MessageSeqNo: 1}, replies: plain})
	r.register(request{ctx: ctx, msg: &streampb.Message{MessageSeqNo: 2}, replies: streaming, streaming: true})

	for range 3 {
		r.deliverReply(7, &streampb.Message{MessageSeqNo: 1})
		r.deliverReply(7, &streampb.Message{MessageSeqNo: 2})
	}
	if r.deliverReply(7, &streampb.Message{MessageSeqNo: 99}) {
		t.Error("a reply nobody waits for was delivered")
	}
	if len(plain) != 1 {
		t.Errorf("plain call got %d replies, want 1", len(plain))
	}
	if len(streaming) != 3 {
		t.Errorf("streaming call got %d replies, want 3", len(streaming))
	}
	if n := r.pendingCount(); n != 1 {
		t.Errorf("pending = %d, want 1 (the streaming call)", n)
	}
	rep := <-plain
	if rep.NodeID != 7 || rep.Err != nil {
		t.Errorf("reply = %+v", rep)
	}
}

func TestRouterResendSplitsStreaming(t *testing.T) {
	r := newRouter(nil)
	ctx := context.Background()
	for i := uint64(1); i <= 5; i++ {
		r.register(request{ctx: ctx, msg: &streampb.Message{MessageSeqNo: i}, replies: make(chan Reply, 1), streaming: i > 3})
	}
	resend, drop := r.takeForResend()
	if len(resend) != 3 || len(drop) != 2 {
		t.Errorf("resend %d, drop %d; want 3, 2", len(resend), len(drop))
	}
	if r.pendingCount() != 0 {
		t.Error("router not emptied")
	}
}

func TestRouterDeliverDoesNotBlockOnGoneCaller(t *testing.T) {
	r := newRouter(nil)
	ctx, cancel := context.WithCancel(context.Background())
	full := make(chan Reply) // nobody reads
	r.register(request{ctx: ctx, msg: &streampb.Message{MessageSeqNo: 1}, replies: full})
	cancel()
	done := make(chan struct{})
	go func() { r.deliverReply(1, &streampb.Message{MessageSeqNo: 1}); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("deliver blocked on a cancelled caller")
	}
}

func TestRouteAcceptedDemux(t *testing.T) {
	h := recordingHandler{got: make(chan *streampb.Message, 1)}
	r := newRouter(h)
	replies := make(chan Reply, 1)
	ctx := context.Background()
	r.register(request{ctx: ctx, msg: &streampb.Message{MessageSeqNo: serverInitiated | 5}, replies: replies})

	released := 0
	release := func() { released++ }
	// A high-bit message on an accepted stream is a reply to our call.
	r.routeAccepted(ctx, 3, &streampb.Message{MessageSeqNo: serverInitiated | 5}, release, nil)
	if len(replies) != 1 || released != 1 {
		t.Fatalf("reply not routed (%d) or not released (%d)", len(replies), released)
	}
	// An unmatched high-bit message is absorbed, and released.
	r.routeAccepted(ctx, 3, &streampb.Message{MessageSeqNo: serverInitiated | 6}, release, nil)
	if released != 2 {
		t.Fatal("unmatched reply not released")
	}
	// A low-bit message is a request for the handler.
	r.routeAccepted(ctx, 3, &streampb.Message{MessageSeqNo: 5, Method: "m"}, release, nil)
	select {
	case m := <-h.got:
		if m.GetMethod() != "m" {
			t.Errorf("handler got %v", m)
		}
	case <-time.After(time.Second):
		t.Fatal("request not dispatched")
	}
	// Without a handler, a request is just released.
	bare := newRouter(nil)
	bare.routeAccepted(ctx, 3, &streampb.Message{MessageSeqNo: 9}, release, nil)
	if released != 4 {
		t.Errorf("released = %d, want 4", released)
	}
}

func TestRouteDialedDemux(t *testing.T) {
	h := recordingHandler{got: make(chan *streampb.Message, 1)}
	r := newRouter(h)
	replies := make(chan Reply, 1)
	ctx := context.Background()
	r.register(request{ctx: ctx, msg: &streampb.Message{MessageSeqNo: 5}, replies: replies})
	var enqueued []request
	enqueue := func(req request) { enqueued = append(enqueued, req) }

	r.routeDialed(ctx, 1, &streampb.Message{MessageSeqNo: 5}, enqueue)
	if len(replies) != 1 {
		t.Fatal("low-bit reply not delivered on a dialed stream")
	}
	r.routeDialed(ctx, 1, &streampb.Message{MessageSeqNo: 6}, enqueue) // unknown reply: dropped
	r.routeDialed(ctx, 1, &streampb.Message{MessageSeqNo: serverInitiated | 1, Method: "back"}, enqueue)
	select {
	case m := <-h.got:
		if m.GetMethod() != "back" {
			t.Errorf("handler got %v", m)
		}
	case <-time.After(time.Second):
		t.Fatal("server-initiated request not dispatched on a dialed stream")
	}
}
