package main

import (
	"net"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	benchpb "gorums-ts.dev/interop/gen/benchmark"
	"gorums-ts.dev/interop/internal/gorums"
)

// slowServerDelay is how long SlowServer waits, as Go's benchmark server does.
const slowServerDelay = 10 * time.Millisecond

// method is the full name of a Benchmark method, read from the descriptor.
func method(name protoreflect.Name) string {
	m := benchpb.File_benchmark_benchmark_proto.Services().ByName("Benchmark").Methods().ByName(name)
	if m == nil {
		panic("gorums-go-bench: no method " + string(name))
	}
	return string(m.FullName())
}

// listen makes a benchmark server listening on addr (not serving yet).
func listen(addr string) (*gorums.Server, net.Listener, error) {
	srv, err := gorums.NewServer(gorums.ServerOptions{})
	if err != nil {
		return nil, nil, err
	}
	register(srv, &stats{})
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return srv, lis, nil
}

// register installs the handlers of Go's benchmark server on srv.
func register(srv *gorums.Server, st *stats) {
	start := func(*gorums.ServerCtx, proto.Message) (proto.Message, error) {
		st.clear()
		st.begin()
		return &benchpb.StartResponse{}, nil
	}
	echo := func(_ *gorums.ServerCtx, req proto.Message) (proto.Message, error) { return req, nil }
	srv.Register(method("StartServerBenchmark"), start)
	srv.Register(method("StartBenchmark"), start)
	srv.Register(method("StopServerBenchmark"), func(*gorums.ServerCtx, proto.Message) (proto.Message, error) {
		st.finish()
		return st.result(), nil
	})
	srv.Register(method("StopBenchmark"), func(*gorums.ServerCtx, proto.Message) (proto.Message, error) {
		st.finish()
		return st.memory(), nil
	})
	srv.Register(method("QuorumCall"), echo)
	srv.Register(method("SlowServer"), func(ctx *gorums.ServerCtx, req proto.Message) (proto.Message, error) {
		ctx.Release()
		time.Sleep(slowServerDelay)
		return req, nil
	})
	srv.Register(method("Multicast"), func(_ *gorums.ServerCtx, req proto.Message) (proto.Message, error) {
		st.addLatency(time.Duration(time.Now().UnixNano() - req.(*benchpb.TimedMsg).GetSendTime()))
		return nil, nil
	})
}
