package storage

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagepb "gorums-ts.dev/interop/gen/storage"
	"gorums-ts.dev/interop/internal/gorums"
)

func dial() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return lis
}

// servers starts n storage servers and returns their addresses as nodes 1..n.
func servers(t *testing.T, n int) ([]*gorums.Server, []gorums.NodeAddr) {
	t.Helper()
	var srvs []*gorums.Server
	var nodes []gorums.NodeAddr
	for i := range n {
		srv, err := gorums.NewServer(gorums.ServerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		Register(srv, NewStore())
		lis := listen(t)
		go func() { _ = srv.Serve(lis) }()
		t.Cleanup(srv.Stop)
		srvs = append(srvs, srv)
		nodes = append(nodes, gorums.NodeAddr{ID: uint32(i + 1), Addr: lis.Addr().String()})
	}
	return srvs, nodes
}

func manager(t *testing.T, nodes []gorums.NodeAddr, opts gorums.DialOptions) *gorums.Manager {
	t.Helper()
	opts.GRPC = dial()
	m, err := gorums.NewManager(nodes, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	m.WaitAttempted()
	return m
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func write(key, value string, secs int64) *storagepb.WriteRequest {
	return &storagepb.WriteRequest{Key: key, Value: value, Time: &timestamppb.Timestamp{Seconds: secs}}
}

func TestQuorumCallsLastWriterWins(t *testing.T) {
	srvs, nodes := servers(t, 3)
	cfg := manager(t, nodes, gorums.DialOptions{}).Config()
	ctx := timeout(t)

	w, err := gorums.QuorumCall[*storagepb.WriteResponse](ctx, cfg, WriteQC, write("k", "v1", 10), false).All()
	if err != nil || !w.GetNew() {
		t.Fatalf("write all: %v, %v", w, err)
	}
	w, err = gorums.QuorumCall[*storagepb.WriteResponse](ctx, cfg, WriteQC, write("k", "old", 5), false).Majority()
	if err != nil || w.GetNew() {
		t.Fatalf("older write: %v, %v; want new=false", w, err)
	}
	r, err := gorums.QuorumCall[*storagepb.ReadResponse](ctx, cfg, ReadQC, &storagepb.ReadRequest{Key: "k"}, false).Majority()
	if err != nil || !r.GetOk() || r.GetValue() != "v1" || r.GetTime().GetSeconds() != 10 {
		t.Fatalf("read: %v, %v", r, err)
	}

	// With one server down a majority still succeeds, all does not.
	srvs[2].Stop()
	if _, err := gorums.QuorumCall[*storagepb.ReadResponse](ctx, cfg, ReadQC, &storagepb.ReadRequest{Key: "k"}, false).Majority(); err != nil {
		t.Errorf("majority with a node down: %v", err)
	}
	_, err = gorums.QuorumCall[*storagepb.ReadResponse](ctx, cfg, ReadQC, &storagepb.ReadRequest{Key: "k"}, false).All()
	var qc gorums.QuorumCallError
	if !errors.As(err, &qc) || !errors.Is(err, gorums.ErrIncomplete) || len(qc.Nodes) != 1 || qc.Nodes[0].NodeID != 3 {
		t.Errorf("all with a node down: %v", err)
	}
}

func TestSpecialKeys(t *testing.T) {
	_, nodes := servers(t, 1)
	node := manager(t, nodes, gorums.DialOptions{Metadata: metadata.Pairs("x-dial", "d")}).Config()[0]
	ctx := metadata.AppendToOutgoingContext(timeout(t), "x-call", "c")

	_, err := gorums.RPC[*storagepb.ReadResponse](ctx, node, ReadRPC, &storagepb.ReadRequest{Key: "error:7:no: not here"})
	if st := status.Convert(err); st.Code() != codes.PermissionDenied || st.Message() != "no: not here" {
		t.Errorf("error key: %v", err)
	}
	_, err = gorums.RPC[*storagepb.WriteResponse](ctx, node, WriteRPC, &storagepb.WriteRequest{Key: "error:3:bad"})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument {
		t.Errorf("error key on a write: %v", err)
	}
	for key, want := range map[string]string{"metadata:x-dial": "d", "metadata:x-call": "c", "metadata:none": "", "peer": "0", "sleep:20": "slept"} {
		r, err := gorums.RPC[*storagepb.ReadResponse](ctx, node, ReadRPC, &storagepb.ReadRequest{Key: key})
		if err != nil || !r.GetOk() || r.GetValue() != want {
			t.Errorf("%s: %v, %v; want ok %q", key, r, err, want)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := gorums.RPC[*storagepb.ReadResponse](short, node, ReadRPC, &storagepb.ReadRequest{Key: "sleep:500"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sleep past the deadline: %v", err)
	}
	if r, err := gorums.RPC[*storagepb.ReadResponse](ctx, node, ReadRPC, &storagepb.ReadRequest{Key: "absent"}); err != nil || r.GetOk() {
		t.Errorf("absent key: %v, %v", r, err)
	}
}

func TestCorrectableLevels(t *testing.T) {
	_, nodes := servers(t, 3)
	cfg := manager(t, nodes, gorums.DialOptions{}).Config()
	ctx := timeout(t)
	if err := gorums.Multicast(ctx, cfg, WriteMulticast, write("c", "val", 1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // multicast returns once written, not once handled

	// Two replies per node: level 6 is reachable, 7 is not.
	corr := gorums.QuorumCall[*storagepb.ReadResponse](ctx, cfg, ReadCorrectable, &storagepb.ReadRequest{Key: "c"}, true).Correctable(6)
	select {
	case <-corr.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("level 6 not reached")
	}
	v, level, err := corr.Get()
	if err != nil || level != 6 || v.GetValue() != "val" {
		t.Errorf("correctable = %v, %d, %v", v, level, err)
	}

	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	corr = gorums.QuorumCall[*storagepb.ReadResponse](short, cfg, ReadCorrectable, &storagepb.ReadRequest{Key: "c"}, true).Correctable(7)
	<-corr.Done()
	if _, level, err := corr.Get(); level != 6 || !errors.Is(err, gorums.ErrIncomplete) {
		t.Errorf("level 7: got level %d, %v", level, err)
	}
}

func TestClientPeersInClientConfig(t *testing.T) {
	var changes []gorums.ConfigChange
	srv, err := gorums.NewServer(gorums.ServerOptions{OnChange: func(c gorums.ConfigChange) { changes = append(changes, c) }})
	if err != nil {
		t.Fatal(err)
	}
	Register(srv, NewStore())
	lis := listen(t)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	nodes := []gorums.NodeAddr{{ID: 1, Addr: lis.Addr().String()}}

	// A client peer: it serves storage on its dialed stream, header "0".
	back, err := gorums.NewServer(gorums.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clientStore := NewStore()
	Register(back, clientStore)
	m := manager(t, nodes, gorums.DialOptions{Handler: back, Metadata: metadata.Pairs(gorums.NodeIDHeader, "0")})
	manager(t, nodes, gorums.DialOptions{}) // a plain client: not tracked

	deadline := time.Now().Add(5 * time.Second)
	for srv.ClientConfig().Size() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := srv.ClientConfig().IDs(); !slices.Equal(got, []uint32{gorums.ClientIDStart}) {
		t.Fatalf("client config %v", got)
	}
	ctx := timeout(t)
	clientStore.Write(write("k", "on the client", 1))
	r, err := gorums.QuorumCall[*storagepb.ReadResponse](ctx, srv.ClientConfig(), ReadQC, &storagepb.ReadRequest{Key: "k"}, false).All()
	if err != nil || r.GetValue() != "on the client" {
		t.Fatalf("server → client quorum call: %v, %v", r, err)
	}
	// The server knows the client peer by its assigned ID.
	r, err = gorums.RPC[*storagepb.ReadResponse](ctx, m.Config()[0], ReadRPC, &storagepb.ReadRequest{Key: "peer"})
	if err != nil || r.GetValue() != strconv.Itoa(gorums.ClientIDStart) {
		t.Errorf("peer as the server sees it: %v, %v", r, err)
	}
	// A nested call on a server without known peers fails.
	_, err = gorums.RPC[*storagepb.ReadResponse](ctx, m.Config()[0], ReadNestedQC, &storagepb.ReadRequest{Key: "k"})
	if st := status.Convert(err); st.Code() != codes.FailedPrecondition || st.Message() != "no peers" {
		t.Errorf("nested without peers: %v", err)
	}

	_ = m.Close()
	deadline = time.Now().Add(5 * time.Second)
	for srv.ClientConfig().Size() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if srv.ClientConfig().Size() != 0 {
		t.Errorf("client peer still in %v after closing", srv.ClientConfig().IDs())
	}
}

func TestSystemMesh(t *testing.T) {
	const n = 3
	var lis []net.Listener
	var peers []gorums.NodeAddr
	for i := range n {
		l := listen(t)
		lis = append(lis, l)
		peers = append(peers, gorums.NodeAddr{ID: uint32(i + 1), Addr: l.Addr().String()})
	}
	var systems []*gorums.System
	for i := range n {
		sys, err := gorums.NewSystem(lis[i], gorums.SystemOptions{MyID: uint32(i + 1), Peers: peers, Dial: gorums.DialOptions{GRPC: dial()}})
		if err != nil {
			t.Fatal(err)
		}
		Register(sys.Server(), NewStore())
		if err := sys.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sys.Stop() })
		systems = append(systems, sys)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, sys := range systems {
		for sys.Server().Config().Size() != n {
			if time.Now().After(deadline) {
				t.Fatalf("config %v, want %d replicas", sys.Server().Config().IDs(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	ctx := timeout(t)
	out := systems[0].Outbound()
	if got := out.IDs(); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Fatalf("outbound %v", got)
	}
	// A nested multicast from one replica reaches every replica.
	w, err := gorums.RPC[*storagepb.WriteResponse](ctx, out[1], WriteNestedMulticast, write("m", "everywhere", 3))
	if err != nil || !w.GetNew() {
		t.Fatalf("nested multicast: %v, %v", w, err)
	}
	time.Sleep(50 * time.Millisecond)
	r, err := gorums.QuorumCall[*storagepb.ReadResponse](ctx, out, ReadQC, &storagepb.ReadRequest{Key: "m"}, false).All()
	if err != nil || r.GetValue() != "everywhere" {
		t.Fatalf("read after nested multicast: %v, %v", r, err)
	}
	// Replica 3 writes a newer value only on itself; a nested read from
	// replica 1 finds the newest value of a majority of its Config.
	if _, err := gorums.RPC[*storagepb.WriteResponse](ctx, systems[2].Outbound()[2], WriteRPC, write("m", "newest", 9)); err != nil {
		t.Fatal(err)
	}
	r, err = gorums.QuorumCall[*storagepb.ReadResponse](ctx, out, ReadNestedQC, &storagepb.ReadRequest{Key: "m"}, false).All()
	if err != nil || (r.GetValue() != "newest" && r.GetValue() != "everywhere") {
		t.Fatalf("nested read: %v, %v", r, err)
	}
	// Each replica knows the others by their IDs.
	r, err = gorums.RPC[*storagepb.ReadResponse](ctx, out[1], ReadRPC, &storagepb.ReadRequest{Key: "peer"})
	if err != nil || r.GetValue() != "1" {
		t.Errorf("peer seen by replica 2 from replica 1: %v, %v", r, err)
	}
	r, err = gorums.RPC[*storagepb.ReadResponse](ctx, out[0], ReadRPC, &storagepb.ReadRequest{Key: "peer"})
	if err != nil || r.GetValue() != "1" {
		t.Errorf("peer of an in-process call: %v, %v", r, err)
	}
}
