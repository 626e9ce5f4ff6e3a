package gorums

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Errors with the same codes and messages as Go Gorums'
// (internal/stream/channel.go, errors.go, responses.go).
var (
	// ErrNodeClosed is delivered to calls on a node whose channel was closed.
	ErrNodeClosed = status.Error(codes.Unavailable, "node closed")
	// ErrStreamDown is delivered to calls whose stream failed and that cannot
	// be re-sent (streaming calls), or to calls on an accepted stream that
	// has gone.
	ErrStreamDown = status.Error(codes.Unavailable, "stream is down")
	// ErrNoHandler answers an in-process call to a node without a handler.
	ErrNoHandler = status.Error(codes.Unimplemented, "no request handler registered")
	// ErrIncomplete is the cause of a quorum call that saw too few successes.
	ErrIncomplete = errors.New("incomplete call")
	// ErrSendFailure is the cause of a multicast that failed on some node.
	ErrSendFailure = errors.New("send failure")
	// ErrTypeMismatch is returned when a reply decodes to another type than
	// the call expects.
	ErrTypeMismatch = errors.New("response type mismatch")
)

// NodeError is the failure of one node in a quorum call or multicast.
type NodeError struct {
	NodeID uint32
	Cause  error
}

// Error formats the error as Go Gorums does: "node <id>: <cause>".
func (e NodeError) Error() string {
	return fmt.Sprintf("node %d: %v", e.NodeID, e.Cause)
}

// QuorumCallError reports a quorum call or multicast that did not succeed,
// with the errors of the nodes that failed (Go Gorums: errors.go).
type QuorumCallError struct {
	Cause error
	Nodes []NodeError
}

// Error formats the error exactly as Go Gorums does.
func (e QuorumCallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "quorum call error: %s (errors: %d)", e.Cause, len(e.Nodes))
	if len(e.Nodes) > 0 {
		b.WriteString("\nnode errors:\n")
		for _, ne := range e.Nodes {
			b.WriteString("\t" + ne.Error() + "\n")
		}
	}
	return b.String()
}

// Is matches the cause, so errors.Is(err, ErrIncomplete) holds.
func (e QuorumCallError) Is(target error) bool {
	if t, ok := target.(QuorumCallError); ok {
		return t.Cause == e.Cause
	}
	return target == e.Cause
}

// Unwrap returns the node causes, in order.
func (e QuorumCallError) Unwrap() []error {
	causes := make([]error, 0, len(e.Nodes))
	for _, ne := range e.Nodes {
		causes = append(causes, ne.Cause)
	}
	return causes
}

// ErrEmptyConfiguration is returned for a call on a configuration without
// nodes (Go Gorums panics with this text in Configuration.Context).
var ErrEmptyConfiguration = status.Error(codes.FailedPrecondition, "gorums: Context called on an empty configuration")
