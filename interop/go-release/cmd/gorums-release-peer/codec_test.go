package main

import (
	"encoding/hex"
	"testing"

	"github.com/relab/gorums"
	"github.com/relab/gorums/ordering"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "gorums-ts.dev/interop-release/gen/storage"
)

// The frames the release's own codec (gorums.Codec) writes for a request and
// an error reply. packages/runtime/test/wire/ordering-envelope.test.ts holds
// the same hex and checks that gorums-ts writes and reads exactly these bytes.
const (
	requestHex = "26082a121470726f746f2e53746f726167652e52656164514322" +
		"0c0a0574726163651203616263030a016b"
	errorReplyHex = "29082a121470726f746f2e53746f726167652e52656164514" +
		"31a0f0805120b6e6f2073756368206b657900"
)

func TestReleaseCodecBytes(t *testing.T) {
	codec := gorums.NewCodec()
	entry := ordering.MetadataEntry_builder{Key: "trace", Value: "abc"}.Build()
	md := ordering.Metadata_builder{MessageSeqNo: 42, Method: "proto.Storage.ReadQC", Entry: []*ordering.MetadataEntry{entry}}.Build()
	req, err := codec.Marshal(gorums.NewRequestMessage(md, &pb.ReadRequest{Key: "k"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(req); got != requestHex {
		t.Errorf("request: the release writes %s, the test vector is %s", got, requestHex)
	}
	replyMD := ordering.Metadata_builder{MessageSeqNo: 42, Method: "proto.Storage.ReadQC", Status: status.New(codes.NotFound, "no such key").Proto()}.Build()
	reply, err := codec.Marshal(gorums.NewResponseMessage(replyMD, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(reply); got != errorReplyHex {
		t.Errorf("error reply: the release writes %s, the test vector is %s", got, errorReplyHex)
	}
}
