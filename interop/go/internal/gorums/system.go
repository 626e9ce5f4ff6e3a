package gorums

import (
	"fmt"
	"net"
	"strconv"
	"sync"

	"google.golang.org/grpc/metadata"
)

// SystemOptions configure a [System].
type SystemOptions struct {
	// MyID is this replica's ID; Peers lists every replica, this one included.
	MyID  uint32
	Peers []NodeAddr
	// Server are the server's options (MyID and Peers are set from above).
	Server ServerOptions
	// Dial are the outbound configuration's options (its handler, self node
	// and gorums-node-id header are set from above).
	Dial DialOptions
}

// System is a replica as Go Gorums' NewSystem(addr, WithConfig(myID, peers),
// WithOutboundNodes(peers)) makes it (Go Gorums: system.go): a server that
// tracks the other replicas as known peers, and an outbound configuration
// of all replicas, dialed with the header gorums-node-id: MyID, whose self
// node is served in-process. Requests that replicas send back on the dialed
// streams are served by the same handlers.
type System struct {
	opts     SystemOptions
	srv      *Server
	lis      net.Listener
	mu       sync.Mutex
	outbound *Manager
}

// NewSystem creates the server for lis. Register handlers on [System.Server],
// then call [System.Start].
func NewSystem(lis net.Listener, opts SystemOptions) (*System, error) {
	found := false
	for _, p := range opts.Peers {
		found = found || p.ID == opts.MyID
	}
	if !found {
		return nil, fmt.Errorf("gorums: node %d is not in the peer list", opts.MyID)
	}
	so := opts.Server
	so.MyID, so.Peers = opts.MyID, opts.Peers
	srv, err := NewServer(so)
	if err != nil {
		return nil, err
	}
	return &System{opts: opts, srv: srv, lis: lis}, nil
}

// Server is the replica's server.
func (s *System) Server() *Server { return s.srv }

// Start serves the listener and dials the outbound configuration.
func (s *System) Start() error {
	s.Serve()
	return s.Dial()
}

// Serve starts serving the listener in the background.
func (s *System) Serve() {
	go func() { _ = s.srv.Serve(s.lis) }()
}

// Dial creates the outbound configuration: every other replica is dialed and
// its stream opened eagerly, once. A replica that is not listening yet is
// tried again only when a call is sent to it, as in Go Gorums, so it does not
// see this replica in its Config until then.
func (s *System) Dial() error {
	dial := s.opts.Dial
	dial.Handler, dial.SelfID = s.srv, s.opts.MyID
	dial.Metadata = metadata.Join(dial.Metadata, metadata.Pairs(NodeIDHeader, strconv.FormatUint(uint64(s.opts.MyID), 10)))
	m, err := NewManager(s.opts.Peers, dial)
	if err != nil {
		return fmt.Errorf("gorums: failed to create outbound config: %w", err)
	}
	s.mu.Lock()
	s.outbound = m
	s.mu.Unlock()
	return nil
}

// Outbound is the outbound configuration (nil before Start).
func (s *System) Outbound() Configuration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outbound == nil {
		return nil
	}
	return s.outbound.Config()
}

// Stop stops the server at once and closes the outbound configuration.
func (s *System) Stop() error {
	s.srv.Stop()
	_ = s.lis.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outbound != nil {
		return s.outbound.Close()
	}
	return nil
}
