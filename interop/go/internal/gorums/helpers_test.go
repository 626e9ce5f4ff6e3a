package gorums

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	storagepb "gorums-ts.dev/interop/gen/storage"
	streampb "gorums-ts.dev/interop/gen/stream"
)

const (
	methodReadRPC         = "proto.Storage.ReadRPC"
	methodWriteUnicast    = "proto.Storage.WriteUnicast"
	methodReadQC          = "proto.Storage.ReadQC"
	methodReadCorrectable = "proto.Storage.ReadCorrectable"
)

// echoHandler answers a ReadRequest with value "<prefix><key>".
func echoHandler(prefix string) Handler {
	return func(_ *ServerCtx, m proto.Message) (proto.Message, error) {
		return &storagepb.ReadResponse{Ok: true, Value: prefix + m.(*storagepb.ReadRequest).GetKey()}, nil
	}
}

// startServer serves srv on a fresh 127.0.0.1 port until the test ends.
func startServer(t *testing.T, srv *Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// newEchoServer is a server answering ReadRPC and ReadQC with echoHandler.
func newEchoServer(t *testing.T, opts ServerOptions, prefix string) (*Server, string) {
	t.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(methodReadRPC, echoHandler(prefix))
	srv.Register(methodReadQC, echoHandler(prefix))
	return srv, startServer(t, srv)
}

// insecureDial are plaintext dial options.
func insecureDial() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
}

// newTestManager dials nodes until the test ends.
func newTestManager(t *testing.T, nodes []NodeAddr, opts DialOptions) *Manager {
	t.Helper()
	if opts.GRPC == nil {
		opts.GRPC = insecureDial()
	}
	m, err := NewManager(nodes, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	m.WaitAttempted()
	return m
}

// rawStream opens a bare NodeStream to addr with the given headers.
func rawStream(t *testing.T, addr string, kv ...string) streampb.Gorums_NodeStreamClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, insecureDial()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = conn.Close() })
	if len(kv) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, kv...)
	}
	st, err := streampb.NewGorumsClient(conn).NodeStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// mustMarshal marshals m.
func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recvTimeout reads one message from st, failing the test after d.
func recvTimeout(t *testing.T, st interface {
	Recv() (*streampb.Message, error)
}, d time.Duration) *streampb.Message {
	t.Helper()
	type result struct {
		msg *streampb.Message
		err error
	}
	ch := make(chan result, 1)
	go func() {
		m, err := st.Recv()
		ch <- result{m, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("recv: %v", r.err)
		}
		return r.msg
	case <-time.After(d):
		t.Fatalf("recv: nothing within %v", d)
		return nil
	}
}

// eventually polls cond until it holds or 5 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// listen opens a listener on a fresh 127.0.0.1 port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return lis
}
