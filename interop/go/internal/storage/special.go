package storage

import (
	"context"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	storagepb "gorums-ts.dev/interop/gen/storage"
	"gorums-ts.dev/interop/internal/gorums"
)

// Special keys, checked by every handler before its normal logic:
//
//	error:<code>:<message>  fail with that gRPC status (code in decimal; the
//	                        message may contain colons)
//	sleep:<ms>              sleep (ending early if the context ends), then
//	                        go on: reads answer ok=true, value="slept";
//	                        writes do their normal logic
//	metadata:<name>         reads answer the first value of the handler's
//	                        incoming metadata <name> ("" if absent)
//	peer                    reads answer the caller's node ID as this
//	                        process knows it, in decimal
//	count:<method>          reads answer how many requests of <method> (a
//	                        full name, proto.Storage.ReadQC) this server
//	                        handled, in decimal
const (
	errorPrefix    = "error:"
	sleepPrefix    = "sleep:"
	metadataPrefix = "metadata:"
	peerKey        = "peer"
	countPrefix    = "count:"
)

// keyError returns the status a key of the form error:<code>:<message> asks
// for, or nil for any other key.
func keyError(key string) error {
	rest, ok := strings.CutPrefix(key, errorPrefix)
	if !ok {
		return nil
	}
	codeText, message, _ := strings.Cut(rest, ":")
	code, err := strconv.ParseUint(codeText, 10, 32)
	if err != nil {
		return nil
	}
	return status.Error(codes.Code(code), message)
}

// keySleep sleeps as long as a key of the form sleep:<ms> asks for, and
// reports whether it did; the error is the context's if it ended first.
func keySleep(ctx context.Context, key string) (bool, error) {
	rest, ok := strings.CutPrefix(key, sleepPrefix)
	if !ok {
		return false, nil
	}
	ms, err := strconv.ParseUint(rest, 10, 32)
	if err != nil {
		return false, nil
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true, nil
	case <-ctx.Done():
		return true, ctx.Err()
	}
}

// specialRead answers a read of a special key; handled is false for a normal
// key.
func specialRead(ctx *gorums.ServerCtx, key string) (resp *storagepb.ReadResponse, handled bool, err error) {
	if err := keyError(key); err != nil {
		return nil, true, err
	}
	if slept, err := keySleep(ctx, key); slept {
		if err != nil {
			return nil, true, err
		}
		return &storagepb.ReadResponse{Ok: true, Value: "slept"}, true, nil
	}
	if name, ok := strings.CutPrefix(key, metadataPrefix); ok {
		md, _ := metadata.FromIncomingContext(ctx)
		value := ""
		if values := md.Get(name); len(values) > 0 {
			value = values[0]
		}
		return &storagepb.ReadResponse{Ok: true, Value: value}, true, nil
	}
	if key == peerKey {
		return &storagepb.ReadResponse{Ok: true, Value: strconv.FormatUint(uint64(ctx.PeerID()), 10)}, true, nil
	}
	return nil, false, nil
}

// specialWrite applies the special keys that writes honour (error, sleep);
// a nil error means the write goes on normally.
func specialWrite(ctx *gorums.ServerCtx, key string) error {
	if err := keyError(key); err != nil {
		return err
	}
	_, err := keySleep(ctx, key)
	return err
}
