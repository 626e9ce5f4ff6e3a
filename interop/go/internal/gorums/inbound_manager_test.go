package gorums

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	storagepb "gorums-ts.dev/interop/gen/storage"
	streampb "gorums-ts.dev/interop/gen/stream"
)

func TestParseNodeID(t *testing.T) {
	tests := []struct {
		md      metadata.MD
		id      uint32
		present bool
	}{
		{metadata.Pairs(NodeIDHeader, "3"), 3, true},
		{metadata.Pairs(NodeIDHeader, "4294967295"), 4294967295, true},
		{metadata.Pairs(NodeIDHeader, "0"), 0, true},
		{metadata.Pairs(NodeIDHeader, "-1"), 0, true},
		{metadata.Pairs(NodeIDHeader, "abc"), 0, true},
		{metadata.Pairs(NodeIDHeader, "4294967296"), 0, true},
		{metadata.Pairs(NodeIDHeader, ""), 0, true},
		{metadata.Pairs(NodeIDHeader, "+2"), 0, true},
		{metadata.Pairs(NodeIDHeader, "2", NodeIDHeader, "5"), 2, true},
		{metadata.MD{}, 0, false},
		{nil, 0, false},
	}
	for _, tc := range tests {
		id, present := ParseNodeID(tc.md)
		if id != tc.id || present != tc.present {
			t.Errorf("ParseNodeID(%v) = %d, %v; want %d, %v", tc.md, id, present, tc.id, tc.present)
		}
	}
}

// nopSender is a stream that accepts every write.
type nopSender struct{}

func (nopSender) Send(*streampb.Message) error { return nil }

func headerCtx(value ...string) context.Context {
	md := metadata.MD{}
	if len(value) > 0 {
		md.Set(NodeIDHeader, value...)
	}
	return metadata.NewIncomingContext(context.Background(), md)
}

type changeLog struct {
	mu      sync.Mutex
	changes []ConfigChange
}

func (l *changeLog) record(c ConfigChange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, c)
}

func (l *changeLog) configs() [][]uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]uint32
	for _, c := range l.changes {
		if c.ConfigChanged {
			out = append(out, c.Config)
		}
	}
	return out
}

func TestAcceptClassifiesStreams(t *testing.T) {
	var log changeLog
	peers := []NodeAddr{{1, "127.0.0.1:9081"}, {2, "127.0.0.1:9082"}, {3, "127.0.0.1:9083"}}
	srv, err := NewServer(ServerOptions{MyID: 1, Peers: peers, OnChange: log.record})
	if err != nil {
		t.Fatal(err)
	}
	im := srv.Inbound()
	if got := im.Config().IDs(); !slices.Equal(got, []uint32{1}) {
		t.Fatalf("initial config %v, want [1]", got)
	}

	// A plain client and an unknown positive ID are served, not tracked.
	for _, ctx := range []context.Context{headerCtx(), headerCtx("99")} {
		p, cleanup := im.accept(ctx, nopSender{})
		if _, ok := p.(*untrackedPeer); !ok {
			t.Errorf("accept(%v) = %T, want untracked", ctx, p)
		}
		cleanup()
	}
	// A header parsing to 0 makes client peers, from 1<<20 up.
	p0, cleanup0 := im.accept(headerCtx("0"), nopSender{})
	pBad, cleanupBad := im.accept(headerCtx("junk"), nopSender{})
	if p0.(*Node).ID() != ClientIDStart || pBad.(*Node).ID() != ClientIDStart+1 {
		t.Errorf("client peer IDs %d, %d", p0.(*Node).ID(), pBad.(*Node).ID())
	}
	if got := im.ClientConfig().IDs(); !slices.Equal(got, []uint32{ClientIDStart, ClientIDStart + 1}) {
		t.Errorf("client config %v", got)
	}
	cleanup0()
	cleanupBad()
	if im.ClientConfig().Size() != 0 {
		t.Errorf("client config %v after disconnect", im.ClientConfig().IDs())
	}

	// Known peers join Config while they have a stream to us.
	p3, cleanup3 := im.accept(headerCtx("3"), nopSender{})
	_, cleanup2 := im.accept(headerCtx("2"), nopSender{})
	if p3.(*Node).ID() != 3 {
		t.Errorf("known peer node %d", p3.(*Node).ID())
	}
	cleanup2()
	cleanup2() // a second cleanup changes nothing
	cleanup3()
	want := [][]uint32{{1}, {1, 3}, {1, 2, 3}, {1, 3}, {1}}
	if got := log.configs(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("config changes %v, want %v", got, want)
	}
}

func TestAcceptReplacementSurvivesStaleCleanup(t *testing.T) {
	srv, err := NewServer(ServerOptions{MyID: 1, Peers: []NodeAddr{{1, "127.0.0.1:9081"}, {2, "127.0.0.1:9082"}}})
	if err != nil {
		t.Fatal(err)
	}
	im := srv.Inbound()
	_, oldCleanup := im.accept(headerCtx("2"), nopSender{})
	_, newCleanup := im.accept(headerCtx("2"), nopSender{})
	oldCleanup()
	if got := im.Config().IDs(); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("after stale cleanup config %v, want [1 2]", got)
	}
	newCleanup()
	if got := im.Config().IDs(); !slices.Equal(got, []uint32{1}) {
		t.Errorf("after cleanup config %v, want [1]", got)
	}
}

// TestConfigHasOnlyInboundStreams checks the crucial Go behavior: a server's
// Config grows with the streams peers open to it, not with the ones it opens.
func TestConfigHasOnlyInboundStreams(t *testing.T) {
	lis1, lis2 := listen(t), listen(t)
	peers := []NodeAddr{{1, lis1.Addr().String()}, {2, lis2.Addr().String()}}
	srv1, err := NewServer(ServerOptions{MyID: 1, Peers: peers})
	if err != nil {
		t.Fatal(err)
	}
	srv1.Register(methodReadQC, echoHandler("one: "))
	go func() { _ = srv1.Serve(lis1) }()
	t.Cleanup(srv1.Stop)
	srv2, err := NewServer(ServerOptions{MyID: 2, Peers: peers})
	if err != nil {
		t.Fatal(err)
	}
	srv2.Register(methodReadQC, echoHandler("two: "))
	go func() { _ = srv2.Serve(lis2) }()
	t.Cleanup(srv2.Stop)

	// Server 1's process dials server 2 as node 1 (a System's outbound config).
	newTestManager(t, peers, DialOptions{Handler: srv1, SelfID: 1, Metadata: metadata.Pairs(NodeIDHeader, "1")})
	eventually(t, "server 2 to see node 1", func() bool { return srv2.Config().Size() == 2 })
	if got := srv1.Config().IDs(); !slices.Equal(got, []uint32{1}) {
		t.Errorf("server 1's config %v: its own dialed stream counts, want [1]", got)
	}

	// Server 2 calls node 1 over the accepted stream (server-initiated).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := QuorumCall[*storagepb.ReadResponse](ctx, srv2.Config(), methodReadQC, &storagepb.ReadRequest{Key: "k"}, false).All()
	if err != nil {
		t.Fatal(err)
	}
	if v := resp.GetValue(); v != "one: k" && v != "two: k" {
		t.Errorf("value %q", v)
	}
	var values []string
	for res := range QuorumCall[*storagepb.ReadResponse](ctx, srv2.Config(), methodReadQC, &storagepb.ReadRequest{Key: "k"}, false).Results() {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		values = append(values, res.Value.GetValue())
	}
	slices.Sort(values)
	if !slices.Equal(values, []string{"one: k", "two: k"}) {
		t.Errorf("values %v", values)
	}
}
