package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relab/gorums"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "gorums-ts.dev/interop-release/gen/storage"
)

// runServer serves the storage service on the release's gorums.Server until stdin ends.
func runServer(out *output, args []string) error {
	fs := newFlags("server")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key, serve TLS")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	_ = fs.Parse(args)
	var opts []gorums.ServerOption
	if *certFile != "" || *keyFile != "" {
		creds, err := credentials.NewServerTLSFromFile(*certFile, *keyFile)
		if err != nil {
			return err
		}
		opts = append(opts, gorums.WithGRPCServerOptions(grpc.Creds(creds)))
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := gorums.NewServer(opts...)
	pb.RegisterStorageServer(srv, newStore())
	go func() { _ = srv.Serve(lis) }()
	out.event("listening", map[string]any{"addr": lis.Addr().String()})
	// A server takes no commands but quit; it stops at EOF too.
	err = readCommands(os.Stdin, out, func(c *command) {
		out.write(failure(c.ID, status.Errorf(codes.InvalidArgument, "a server takes no command %q", c.Op)))
	})
	srv.Stop()
	return err
}

// store is the storage example's replica, with the special keys of the
// interop suite: "error:CODE:MESSAGE" fails with that status, "sleep:MS"
// answers after MS ms, "metadata:NAME" answers the value of that incoming
// metadata (per-message entries and stream headers).
type store struct {
	mu      sync.Mutex
	entries map[string]*pb.WriteRequest
}

func newStore() *store { return &store{entries: make(map[string]*pb.WriteRequest)} }

// newer reports whether a is a later time than b (no time counts as zero), as the suite's other replicas judge it.
func newer(a, b *timestamppb.Timestamp) bool {
	if a.GetSeconds() != b.GetSeconds() {
		return a.GetSeconds() > b.GetSeconds()
	}
	return a.GetNanos() > b.GetNanos()
}

func (s *store) read(key string) *pb.ReadResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok {
		return &pb.ReadResponse{}
	}
	return &pb.ReadResponse{Ok: true, Value: e.GetValue(), Time: e.GetTime()}
}

func (s *store) write(req *pb.WriteRequest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.entries[req.GetKey()]
	if ok && !newer(req.GetTime(), old.GetTime()) {
		return false
	}
	s.entries[req.GetKey()] = proto.Clone(req).(*pb.WriteRequest)
	return true
}

// special answers the special keys; handled is false for an ordinary key.
func special(ctx context.Context, key string) (resp *pb.ReadResponse, handled bool, err error) {
	if rest, ok := strings.CutPrefix(key, "error:"); ok {
		codeText, message, _ := strings.Cut(rest, ":")
		if code, perr := strconv.ParseUint(codeText, 10, 32); perr == nil {
			return nil, true, status.Error(codes.Code(code), message)
		}
	}
	if rest, ok := strings.CutPrefix(key, "sleep:"); ok {
		if ms, perr := strconv.ParseUint(rest, 10, 32); perr == nil {
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
				return &pb.ReadResponse{Ok: true, Value: "slept"}, true, nil
			case <-ctx.Done():
				return nil, true, ctx.Err()
			}
		}
	}
	if name, ok := strings.CutPrefix(key, "metadata:"); ok {
		md, _ := metadata.FromIncomingContext(ctx)
		value := ""
		if values := md.Get(name); len(values) > 0 {
			value = values[0]
		}
		return &pb.ReadResponse{Ok: true, Value: value}, true, nil
	}
	return nil, false, nil
}

func (s *store) answerRead(ctx gorums.ServerCtx, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	if resp, handled, err := special(ctx, req.GetKey()); handled {
		return resp, err
	}
	return s.read(req.GetKey()), nil
}

func (s *store) answerWrite(ctx gorums.ServerCtx, req *pb.WriteRequest) (*pb.WriteResponse, error) {
	if _, handled, err := special(ctx, req.GetKey()); handled && err != nil {
		return nil, err
	}
	return &pb.WriteResponse{New: s.write(req)}, nil
}

func (s *store) ReadRPC(ctx gorums.ServerCtx, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	return s.answerRead(ctx, req)
}

func (s *store) WriteRPC(ctx gorums.ServerCtx, req *pb.WriteRequest) (*pb.WriteResponse, error) {
	return s.answerWrite(ctx, req)
}

func (s *store) WriteUnicast(_ gorums.ServerCtx, req *pb.WriteRequest) { s.write(req) }

func (s *store) WriteMulticast(_ gorums.ServerCtx, req *pb.WriteRequest) { s.write(req) }

func (s *store) ReadQC(ctx gorums.ServerCtx, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	return s.answerRead(ctx, req)
}

func (s *store) WriteQC(ctx gorums.ServerCtx, req *pb.WriteRequest) (*pb.WriteResponse, error) {
	return s.answerWrite(ctx, req)
}

// ReadCorrectable sends the value twice, 10 ms apart, as the suite's other replicas do.
func (s *store) ReadCorrectable(ctx gorums.ServerCtx, req *pb.ReadRequest, send func(*pb.ReadResponse) error) error {
	for i := 0; i < 2; i++ {
		resp, err := s.answerRead(ctx, req)
		if err != nil {
			return err
		}
		if err := send(resp); err != nil {
			return err
		}
		if i == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

var errNoPeers = status.Error(codes.FailedPrecondition, "no peers: the Go Gorums v0.11.0 release has no symmetric configurations")

func (s *store) ReadNestedQC(gorums.ServerCtx, *pb.ReadRequest) (*pb.ReadResponse, error) {
	return nil, errNoPeers
}

func (s *store) WriteNestedMulticast(gorums.ServerCtx, *pb.WriteRequest) (*pb.WriteResponse, error) {
	return nil, errNoPeers
}
