package gorums

import (
	"sync"

	"google.golang.org/protobuf/proto"
)

// LevelNotSet is a correctable's level before its first successful reply.
const LevelNotSet = -1

// Correctable follows a quorum call's successful replies (Go Gorums:
// correctable.go): its level is the number of successful replies so far, from
// every node and every message of a streaming call, and its value the latest
// of them.
type Correctable[Resp proto.Message] struct {
	mu       sync.Mutex
	value    Resp
	level    int
	err      error
	done     bool
	doneCh   chan struct{}
	watchers map[chan struct{}]int
}

// Correctable consumes the results in the background until threshold
// successes (then it is done without error), or until the results end (then
// it is done with a QuorumCallError, cause ErrIncomplete).
func (r *Responses[Resp]) Correctable(threshold int) *Correctable[Resp] {
	c := &Correctable[Resp]{level: LevelNotSet, doneCh: make(chan struct{}), watchers: make(map[chan struct{}]int)}
	go func() {
		var (
			last   Resp
			count  int
			failed []NodeError
		)
		for res := range r.Results() {
			if res.Err != nil {
				failed = append(failed, NodeError{NodeID: res.NodeID, Cause: res.Err})
				continue
			}
			count++
			last = res.Value
			if count >= threshold {
				c.update(last, count, true, nil)
				return
			}
			c.update(last, count, false, nil)
		}
		c.update(last, count, true, QuorumCallError{Cause: ErrIncomplete, Nodes: failed})
	}()
	return c
}

func (c *Correctable[Resp]) update(value Resp, level int, done bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.value, c.level, c.err, c.done = value, level, err, done
	for ch, want := range c.watchers {
		if done || want <= level {
			close(ch)
			delete(c.watchers, ch)
		}
	}
	if done {
		close(c.doneCh)
	}
}

// Get returns the latest value, the level and the error.
func (c *Correctable[Resp]) Get() (Resp, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value, c.level, c.err
}

// Done is closed when the correctable is done.
func (c *Correctable[Resp]) Done() <-chan struct{} { return c.doneCh }

// Watch returns a channel that is closed once the level reaches level (or the
// correctable is done).
func (c *Correctable[Resp]) Watch(level int) <-chan struct{} {
	ch := make(chan struct{})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || level <= c.level {
		close(ch)
		return ch
	}
	c.watchers[ch] = level
	return ch
}
