package gorums

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/metadata"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// ClientIDStart is the first ID given to a client peer; known peer IDs are
// expected below it (Go Gorums: inbound_manager.go).
const ClientIDStart = 1 << 20

// ConfigChange reports a server's configurations: the IDs of Config and of
// ClientConfig, ascending, and which of them changed.
type ConfigChange struct {
	Config, Clients               []uint32
	ConfigChanged, ClientsChanged bool
}

// InboundManager decides who is at the other end of every accepted stream,
// by its gorums-node-id header (Go Gorums: inbound_manager.go, AcceptPeer):
//
//   - no header: a plain client; it is served but not tracked (its PeerID is 0);
//   - a header that parses (as a decimal uint32) to a known peer's ID: that
//     peer; its stream becomes the peer's channel (a newer stream replaces
//     an older one) and the peer is in Config while it has one;
//   - another positive ID: served but not tracked;
//   - a header that is 0 or does not parse: a client peer, given the next ID
//     from ClientIDStart up, in ClientConfig until its stream ends.
//
// Config is this server (served in-process) plus every known peer with a
// stream to this server: only streams the peers dialed, never streams this
// process dialed to them. Calls over Config and ClientConfig go out on those
// accepted streams, with server-initiated sequence numbers.
type InboundManager struct {
	mu         sync.Mutex
	myID       uint32
	nodes      map[uint32]*Node
	config     Configuration
	clients    Configuration
	seq        atomic.Uint64
	handler    RequestHandler
	nextClient uint32
	onChange   func(ConfigChange)
}

func newInboundManager(myID uint32, peers []NodeAddr, h RequestHandler, onChange func(ConfigChange)) (*InboundManager, error) {
	im := &InboundManager{
		myID:       myID,
		nodes:      make(map[uint32]*Node),
		config:     Configuration{},
		clients:    Configuration{},
		handler:    h,
		nextClient: ClientIDStart,
		onChange:   onChange,
	}
	seenAddr := make(map[string]uint32)
	for _, p := range peers {
		if p.ID == 0 {
			return nil, errors.New("gorums: invalid peer configuration: gorums: node 0 is reserved")
		}
		if _, dup := im.nodes[p.ID]; dup {
			return nil, fmt.Errorf("gorums: invalid peer configuration: gorums: node %d already exists", p.ID)
		}
		addr := p.Addr
		if tcp, err := net.ResolveTCPAddr("tcp", p.Addr); err == nil {
			addr = tcp.String()
		} else {
			return nil, fmt.Errorf("gorums: invalid peer configuration: gorums: invalid address %q: %w", p.Addr, err)
		}
		if other, dup := seenAddr[addr]; dup {
			return nil, fmt.Errorf("gorums: invalid peer configuration: gorums: address %q already in use by node %d", addr, other)
		}
		seenAddr[addr] = p.ID
		n := &Node{id: p.ID, addr: addr, router: newRouter(h), nextSeq: im.nextSeq}
		if p.ID == myID && h != nil {
			n.ch = localChannel{id: p.ID, router: n.router}
		}
		im.nodes[p.ID] = n
	}
	im.mu.Lock()
	im.rebuild(true)
	im.mu.Unlock()
	return im, nil
}

// nextSeq allocates a server-initiated sequence number.
func (im *InboundManager) nextSeq() uint64 { return im.seq.Add(1) | serverInitiated }

// MyID is this server's own ID (0 without known peers).
func (im *InboundManager) MyID() uint32 { return im.myID }

// Config is the configuration of this server and its connected known peers.
func (im *InboundManager) Config() Configuration {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.config
}

// ClientConfig is the configuration of connected client peers.
func (im *InboundManager) ClientConfig() Configuration {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.clients
}

// ParseNodeID reads the gorums-node-id header from incoming metadata: the
// first value, as a decimal uint32; 0 when absent, 0 or invalid. present
// tells whether the header was there at all.
func ParseNodeID(md metadata.MD) (id uint32, present bool) {
	values := md.Get(NodeIDHeader)
	if len(values) == 0 {
		return 0, false
	}
	v, err := strconv.ParseUint(values[0], 10, 32)
	if err != nil {
		return 0, true
	}
	return uint32(v), true
}

// accept classifies an accepted stream and returns its peer and the cleanup
// to run when the stream ends.
func (im *InboundManager) accept(ctx context.Context, s messageSender) (acceptedPeer, func()) {
	md, _ := metadata.FromIncomingContext(ctx)
	id, present := ParseNodeID(md)
	untracked := &untrackedPeer{stream: s, handler: im.handler}
	switch {
	case id != 0:
		im.mu.Lock()
		n, known := im.nodes[id]
		im.mu.Unlock()
		if !known {
			return untracked, func() {}
		}
		return im.attachKnown(ctx, s, n)
	case !present:
		return untracked, func() {}
	default:
		return im.attachClient(ctx, s)
	}
}

func (im *InboundManager) attachKnown(ctx context.Context, s messageSender, n *Node) (acceptedPeer, func()) {
	im.mu.Lock()
	defer im.mu.Unlock()
	detach := n.attach(ctx, s)
	im.rebuild(false)
	return n, func() {
		im.mu.Lock()
		defer im.mu.Unlock()
		if detach() {
			im.rebuild(false)
		}
	}
}

func (im *InboundManager) attachClient(ctx context.Context, s messageSender) (acceptedPeer, func()) {
	im.mu.Lock()
	defer im.mu.Unlock()
	id := im.nextClient
	im.nextClient++
	n := &Node{id: id, addr: "client", router: newRouter(im.handler), nextSeq: im.nextSeq}
	detach := n.attach(ctx, s)
	im.nodes[id] = n
	im.rebuild(false)
	return n, func() {
		im.mu.Lock()
		defer im.mu.Unlock()
		if detach() {
			delete(im.nodes, id)
			im.rebuild(false)
		}
	}
}

// rebuild recomputes both configurations from the nodes; the caller holds
// im.mu. onChange hears of it at construction (initial) and on changes.
func (im *InboundManager) rebuild(initial bool) {
	config := Configuration{}
	clients := Configuration{}
	for id, n := range im.nodes {
		switch {
		case id >= ClientIDStart:
			if n.connected() {
				clients = append(clients, n)
			}
		case id == im.myID || n.connected():
			config = append(config, n)
		}
	}
	byID := func(a, b *Node) int { return cmp.Compare(a.id, b.id) }
	slices.SortFunc(config, byID)
	slices.SortFunc(clients, byID)
	change := ConfigChange{
		Config:         config.IDs(),
		Clients:        clients.IDs(),
		ConfigChanged:  initial || !equalIDs(config, im.config),
		ClientsChanged: initial || !equalIDs(clients, im.clients),
	}
	im.config, im.clients = config, clients
	if im.onChange != nil && (change.ConfigChanged || change.ClientsChanged) {
		im.onChange(change)
	}
}

// untrackedPeer is an accepted stream from a plain client or an unknown peer
// ID: every message on it is dispatched as a request (whatever its sequence
// number), with PeerID 0, and replies are written straight to the stream;
// after the first failed write the rest are dropped.
type untrackedPeer struct {
	stream  messageSender
	handler RequestHandler
	failed  atomic.Bool
}

func (p *untrackedPeer) routeAccepted(ctx context.Context, msg *streampb.Message, release func(), send func(*streampb.Message)) {
	if p.handler == nil {
		release()
		return
	}
	go p.handler.HandleRequest(withEntries(ctx, msg), 0, msg, release, send)
}

func (p *untrackedPeer) enqueue(req request) {
	if p.failed.Load() {
		return
	}
	if err := p.stream.Send(req.msg); err != nil {
		p.failed.Store(true)
	}
}
