package gorums

// localChannel serves the self node's calls in-process, serialized like a
// stream (Go Gorums: internal/stream/channel.go, NewLocalChannel).
type localChannel struct {
	id     uint32
	router *router
}

func (c localChannel) enqueue(req request) { c.router.dispatchLocal(c.id, req) }
func (c localChannel) close() error        { return nil }
