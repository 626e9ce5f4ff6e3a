package gorums

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	streampb "gorums-ts.dev/interop/gen/stream"
)

// newRequestMessage builds a request envelope. Every value of the outgoing
// gRPC metadata of ctx becomes one per-message entry, as Go Gorums'
// stream.NewMessage does (internal/stream/gorums_message.go); the order of
// the keys is Go's map order, so it is not stable.
func newRequestMessage(ctx context.Context, seqNo uint64, method string, req proto.Message) (*streampb.Message, error) {
	payload, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	msg := &streampb.Message{MessageSeqNo: seqNo, Method: method, Payload: payload}
	if md, ok := metadata.FromOutgoingContext(ctx); ok {
		for key, values := range md {
			for _, value := range values {
				msg.Entry = append(msg.Entry, &streampb.MetadataEntry{Key: key, Value: value})
			}
		}
	}
	return msg, nil
}

// withEntries returns ctx whose incoming metadata is the incoming metadata ctx
// already has plus the message's entries, appended (a key that is both a
// stream header and an entry has the header's values first). This is what a
// Go Gorums handler sees (Message.AppendToIncomingContext).
func withEntries(ctx context.Context, msg *streampb.Message) context.Context {
	existing, _ := metadata.FromIncomingContext(ctx)
	md := existing.Copy()
	for _, e := range msg.GetEntry() {
		md.Append(e.GetKey(), e.GetValue())
	}
	return metadata.NewIncomingContext(ctx, md)
}

// replyTo builds the reply envelope for request in: it echoes the sequence
// number and the method, and carries no metadata entries. With err set, the
// status is err's gRPC status, or UNKNOWN with err.Error() when err has none
// (Go Gorums: handler.go MessageWithError, which uses status.FromError, so a
// wrapped status error keeps its code and gets err.Error() as its message).
// Otherwise the payload is resp marshaled; a marshal failure becomes the
// status instead.
func replyTo(in *streampb.Message, resp proto.Message, err error) *streampb.Message {
	out := &streampb.Message{MessageSeqNo: in.GetMessageSeqNo(), Method: in.GetMethod()}
	if err == nil && resp != nil {
		payload, merr := proto.Marshal(resp)
		if merr == nil {
			out.Payload = payload
		} else {
			err = merr
		}
	}
	if err != nil {
		st, ok := status.FromError(err)
		if !ok {
			st = status.New(codes.Unknown, err.Error())
		}
		out.Status = st.Proto()
	}
	return out
}

// replyError is the error a reply envelope carries, or nil.
func replyError(msg *streampb.Message) error {
	if msg.GetStatus() == nil {
		return nil
	}
	return status.ErrorProto(msg.GetStatus())
}

// methodDescriptor finds a method by its full name in the global registry.
func methodDescriptor(method string) (protoreflect.MethodDescriptor, bool) {
	desc, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(method))
	if err != nil {
		return nil, false
	}
	md, ok := desc.(protoreflect.MethodDescriptor)
	return md, ok
}

// newMessageOf returns a new message of the named type from the global
// registry.
func newMessageOf(name protoreflect.FullName) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
	if err != nil {
		return nil, fmt.Errorf("gorums: could not find message type %s", name)
	}
	return mt.New().Interface(), nil
}

// decodeRequest decodes a request payload into the input type of the method
// the envelope names, with Go Gorums' error texts (marshaling.go).
func decodeRequest(msg *streampb.Message) (proto.Message, error) {
	md, ok := methodDescriptor(msg.GetMethod())
	if !ok {
		return nil, fmt.Errorf("gorums: could not find method descriptor for %s", msg.GetMethod())
	}
	req, err := newMessageOf(md.Input().FullName())
	if err != nil {
		return nil, err
	}
	if len(msg.GetPayload()) > 0 {
		if err := proto.Unmarshal(msg.GetPayload(), req); err != nil {
			return nil, fmt.Errorf("gorums: could not unmarshal request: %w", err)
		}
	}
	return req, nil
}

// decodeReply decodes a reply payload the way a Go Gorums client does: the
// type comes from the method named in the reply (so a reply must echo the
// request's method), then it must be Resp.
func decodeReply[Resp proto.Message](msg *streampb.Message) (Resp, error) {
	var zero Resp
	md, ok := methodDescriptor(msg.GetMethod())
	if !ok {
		return zero, fmt.Errorf("gorums: could not find method descriptor for %s", msg.GetMethod())
	}
	m, err := newMessageOf(md.Output().FullName())
	if err != nil {
		return zero, err
	}
	if len(msg.GetPayload()) > 0 {
		if err := proto.Unmarshal(msg.GetPayload(), m); err != nil {
			return zero, fmt.Errorf("gorums: could not unmarshal response: %w", err)
		}
	}
	resp, ok := m.(Resp)
	if !ok {
		return zero, ErrTypeMismatch
	}
	return resp, nil
}
