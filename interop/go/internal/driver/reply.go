package driver

import (
	"context"
	"encoding/json"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	storagepb "gorums-ts.dev/interop/gen/storage"
	"gorums-ts.dev/interop/internal/gorums"
)

// response is one reply line. Absent fields are left out.
type response struct {
	ID         json.RawMessage `json:"id"`
	Ok         bool            `json:"ok"`
	Level      *int            `json:"level,omitempty"`
	Reply      any             `json:"reply,omitempty"`
	IDs        *[]uint32       `json:"ids,omitempty"`
	Code       *codes.Code     `json:"code,omitempty"`
	Message    *string         `json:"message,omitempty"`
	Error      *string         `json:"error,omitempty"`
	NodeErrors *[]nodeError    `json:"nodeErrors,omitempty"`
}

type nodeError struct {
	Node    uint32     `json:"node"`
	Code    codes.Code `json:"code"`
	Message string     `json:"message"`
}

// readReply is a ReadResponse; ts is the time's seconds (0 without a time).
type readReply struct {
	Ok    bool   `json:"ok"`
	Value string `json:"value"`
	Ts    int64  `json:"ts"`
}

type writeReply struct {
	New bool `json:"new"`
}

func fromRead(r *storagepb.ReadResponse) readReply {
	return readReply{Ok: r.GetOk(), Value: r.GetValue(), Ts: r.GetTime().GetSeconds()}
}

func fromWrite(r *storagepb.WriteResponse) writeReply {
	return writeReply{New: r.GetNew()}
}

// codeOf is an error's gRPC code and status message: a context error's own
// code, a status error's code and message, and UNKNOWN with err.Error() for
// anything else (a QuorumCallError included).
func codeOf(err error) (codes.Code, string) {
	var qc gorums.QuorumCallError
	switch {
	case errors.As(err, &qc):
		return codes.Unknown, err.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		st := status.FromContextError(err)
		return st.Code(), st.Message()
	}
	if st, ok := status.FromError(err); ok {
		return st.Code(), st.Message()
	}
	return codes.Unknown, err.Error()
}

// failure is the reply line for a failed command.
func failure(id json.RawMessage, err error) response {
	code, message := codeOf(err)
	text := err.Error()
	r := response{ID: id, Code: &code, Message: &message, Error: &text}
	var qc gorums.QuorumCallError
	if errors.As(err, &qc) {
		nes := make([]nodeError, 0, len(qc.Nodes))
		for _, ne := range qc.Nodes {
			c, m := codeOf(ne.Cause)
			nes = append(nes, nodeError{Node: ne.NodeID, Code: c, Message: m})
		}
		r.NodeErrors = &nes
	}
	return r
}
