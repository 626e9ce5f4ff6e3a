package gorums

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// NodeIDHeader is the stream header with which a dialer announces its node ID
// (Go Gorums: inbound_manager.go).
const NodeIDHeader = "gorums-node-id"

// NodeAddr is a node's ID and address.
type NodeAddr struct {
	ID   uint32
	Addr string
}

// DialOptions configure a [Manager].
type DialOptions struct {
	// GRPC are the options of every node's grpc.NewClient.
	GRPC []grpc.DialOption
	// Metadata are the stream headers sent to every node.
	Metadata metadata.MD
	// Handler, if set, serves the requests that nodes send back on the
	// streams this manager dialed.
	Handler RequestHandler
	// SelfID, with Handler set, names the node that is this process: it is
	// served in-process and never dialed.
	SelfID uint32
}

// Manager owns the nodes it dialed and hands out the sequence numbers of
// their calls: one counter from 1, shared by all its nodes (Go Gorums:
// mgr.go).
type Manager struct {
	nodes []*Node
	seq   atomic.Uint64
	// attempted is done once every dialed node's first try to open its
	// stream has finished.
	attempted sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// NewManager creates a node per entry, in the given order, and starts opening
// a NodeStream to each (except the self node). Addresses are resolved first,
// as Go Gorums does; IDs must be positive and unique.
func NewManager(nodes []NodeAddr, opts DialOptions) (*Manager, error) {
	if len(nodes) == 0 {
		return nil, errors.New("gorums: missing required node addresses")
	}
	m := &Manager{}
	seen := make(map[uint32]bool)
	for _, na := range nodes {
		if na.ID == 0 {
			_ = m.Close()
			return nil, errors.New("gorums: node 0 is reserved")
		}
		if seen[na.ID] {
			_ = m.Close()
			return nil, fmt.Errorf("gorums: node %d already exists", na.ID)
		}
		seen[na.ID] = true
		n, err := m.newNode(na, opts)
		if err != nil {
			_ = m.Close()
			return nil, err
		}
		m.nodes = append(m.nodes, n)
	}
	return m, nil
}

func (m *Manager) nextSeq() uint64 { return m.seq.Add(1) }

func (m *Manager) newNode(na NodeAddr, opts DialOptions) (*Node, error) {
	n := &Node{id: na.ID, addr: na.Addr, router: newRouter(opts.Handler), nextSeq: m.nextSeq}
	if opts.Handler != nil && na.ID == opts.SelfID {
		n.ch = localChannel{id: na.ID, router: n.router}
		return n, nil
	}
	tcp, err := net.ResolveTCPAddr("tcp", na.Addr)
	if err != nil {
		return nil, err
	}
	n.addr = tcp.String()
	conn, err := grpc.NewClient(n.addr, opts.GRPC...)
	if err != nil {
		return nil, fmt.Errorf("node %d: %w", na.ID, err)
	}
	ctx := metadata.NewOutgoingContext(context.Background(), opts.Metadata.Copy())
	m.attempted.Add(1)
	n.ch = newDialedChannel(ctx, n.id, conn, n.router, m.attempted.Done)
	return n, nil
}

// WaitAttempted blocks until every dialed node has tried once to open its
// stream (successfully or not).
func (m *Manager) WaitAttempted() { m.attempted.Wait() }

// Config is the configuration of all the manager's nodes, in creation order.
func (m *Manager) Config() Configuration { return Configuration(m.nodes) }

// Close closes every node's channel and connection.
func (m *Manager) Close() error {
	m.closeOnce.Do(func() {
		for _, n := range m.nodes {
			m.closeErr = errors.Join(m.closeErr, n.close())
		}
	})
	return m.closeErr
}

// Configuration is a set of nodes that quorum calls and multicasts go to. Its
// calls take their sequence number from its first node's counter.
type Configuration []*Node

// IDs are the configuration's node IDs, in order.
func (c Configuration) IDs() []uint32 {
	ids := make([]uint32, len(c))
	for i, n := range c {
		ids[i] = n.id
	}
	return ids
}

// Size is the number of nodes.
func (c Configuration) Size() int { return len(c) }

// Node returns the node with the given ID.
func (c Configuration) Node(id uint32) (*Node, bool) {
	for _, n := range c {
		if n.id == id {
			return n, true
		}
	}
	return nil, false
}

// equalIDs reports whether a and b list the same IDs in the same order.
func equalIDs(a, b Configuration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].id != b[i].id {
			return false
		}
	}
	return true
}
