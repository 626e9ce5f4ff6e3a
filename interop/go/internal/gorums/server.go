package gorums

import (
	"context"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// ServerOptions configure a [Server].
type ServerOptions struct {
	// GRPC are the options of the grpc.Server (credentials, ...).
	GRPC []grpc.ServerOption
	// MyID and Peers make the server track known peers, as Go Gorums'
	// WithConfig(MyID, Peers): MyID is always in Config and is served
	// in-process. Without them the server still tracks client peers.
	MyID  uint32
	Peers []NodeAddr
	// OnChange, if set, is told the server's configurations at construction
	// and after every change of either (see [InboundManager]).
	OnChange func(ConfigChange)
}

// Server serves the Gorums NodeStream with registered handlers (Go Gorums:
// server.go, internal/stream/server.go).
type Server struct {
	streampb.UnimplementedGorumsServer
	mu       sync.RWMutex
	handlers map[string]Handler
	inbound  *InboundManager
	grpc     *grpc.Server
}

// NewServer creates a server; it does not listen yet.
func NewServer(opts ServerOptions) (*Server, error) {
	s := &Server{handlers: make(map[string]Handler), grpc: grpc.NewServer(opts.GRPC...)}
	im, err := newInboundManager(opts.MyID, opts.Peers, s, opts.OnChange)
	if err != nil {
		return nil, err
	}
	s.inbound = im
	streampb.RegisterGorumsServer(s.grpc, s)
	return s, nil
}

// Register installs the handler of the full method name.
func (s *Server) Register(method string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[method] = h
}

// Serve accepts connections on lis until Stop.
func (s *Server) Serve(lis net.Listener) error { return s.grpc.Serve(lis) }

// Stop closes every connection and listener at once, as Go Gorums'
// System.Stop does (it calls grpc.Server.Stop, not GracefulStop).
func (s *Server) Stop() { s.grpc.Stop() }

// Config is the configuration of connected known peers, this server included
// (empty without known peers).
func (s *Server) Config() Configuration { return s.inbound.Config() }

// ClientConfig is the configuration of connected client peers.
func (s *Server) ClientConfig() Configuration { return s.inbound.ClientConfig() }

// Inbound is the server's inbound manager.
func (s *Server) Inbound() *InboundManager { return s.inbound }

// HandleRequest dispatches one request: an unknown method is answered with
// UNIMPLEMENTED "no handler registered for method <m>", a payload that does
// not decode with UNKNOWN, and a handler's result as [Handler] says. The
// stream is released when the handler returns, if it has not released it.
func (s *Server) HandleRequest(ctx context.Context, peer uint32, msg *streampb.Message, release func(), send func(*streampb.Message)) {
	sctx := &ServerCtx{Context: ctx, srv: s, peer: peer, in: msg, release: release, send: send}
	defer sctx.Release()
	s.mu.RLock()
	h, ok := s.handlers[msg.GetMethod()]
	s.mu.RUnlock()
	if !ok {
		send(replyTo(msg, nil, status.Errorf(codes.Unimplemented, "no handler registered for method %s", msg.GetMethod())))
		return
	}
	req, err := decodeRequest(msg)
	if err != nil {
		send(replyTo(msg, nil, err))
		return
	}
	resp, err := h(sctx, req)
	if resp == nil && err == nil {
		return
	}
	send(replyTo(msg, resp, err))
}

// acceptedPeer is the far end of an accepted stream: a tracked node or an
// untracked client.
type acceptedPeer interface {
	routeAccepted(ctx context.Context, msg *streampb.Message, release func(), send func(*streampb.Message))
	enqueue(req request)
}

// NodeStream serves one accepted stream. It never sends headers of its own:
// grpc-go sends the response headers with the first message. Requests are
// dispatched one at a time in arrival order: the next is read only after the
// previous handler returned or released. Replies go out through the peer's
// channel (for a tracked peer, whichever stream is its current one).
func (s *Server) NodeStream(st streampb.Gorums_NodeStreamServer) error {
	ctx := st.Context()
	peer, cleanup := s.inbound.accept(ctx, st)
	defer cleanup()

	out := make(chan *streampb.Message)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case msg := <-out:
				peer.enqueue(request{ctx: ctx, msg: msg})
			}
		}
	}()
	send := func(msg *streampb.Message) {
		select {
		case out <- msg:
		case <-ctx.Done():
		}
	}

	turn := make(chan struct{}, 1)
	for {
		msg, err := st.Recv()
		if err != nil {
			return err
		}
		var once sync.Once
		release := func() { once.Do(func() { turn <- struct{}{} }) }
		peer.routeAccepted(ctx, msg, release, send)
		<-turn
	}
}
