package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"gorums-ts.dev/interop/internal/gorums"
)

func TestThreshold(t *testing.T) {
	for quorum, want := range map[string]int{``: 3, `null`: 3, `"first"`: 1, `"majority"`: 3, `"all"`: 5, `2`: 2, `"4"`: 4} {
		c := command{Quorum: json.RawMessage(quorum)}
		got, err := c.threshold(5)
		if err != nil || got != want {
			t.Errorf("quorum %s: %d, %v; want %d", quorum, got, err, want)
		}
	}
	c := command{Quorum: json.RawMessage(`"most"`)}
	if _, err := c.threshold(5); err == nil {
		t.Error(`quorum "most" accepted`)
	}
}

func TestFailureEncoding(t *testing.T) {
	tests := []struct {
		err     error
		code    codes.Code
		message string
		nodes   int
	}{
		{context.DeadlineExceeded, codes.DeadlineExceeded, "context deadline exceeded", -1},
		{context.Canceled, codes.Canceled, "context canceled", -1},
		{status.Error(codes.PermissionDenied, "a: b"), codes.PermissionDenied, "a: b", -1},
		{errors.New("plain"), codes.Unknown, "plain", -1},
		{gorums.QuorumCallError{Cause: gorums.ErrIncomplete, Nodes: []gorums.NodeError{{NodeID: 2, Cause: gorums.ErrStreamDown}}}, codes.Unknown, "", 1},
	}
	for _, tc := range tests {
		f := failure(json.RawMessage("7"), tc.err)
		if *f.Code != tc.code || (tc.message != "" && *f.Message != tc.message) || *f.Error != tc.err.Error() {
			t.Errorf("%v: code %v message %q error %q", tc.err, *f.Code, *f.Message, *f.Error)
		}
		if tc.nodes < 0 && f.NodeErrors != nil {
			t.Errorf("%v: node errors %v", tc.err, *f.NodeErrors)
		}
		if tc.nodes >= 0 {
			if f.NodeErrors == nil || len(*f.NodeErrors) != tc.nodes {
				t.Fatalf("%v: node errors %v", tc.err, f.NodeErrors)
			}
			ne := (*f.NodeErrors)[0]
			if ne.Node != 2 || ne.Code != codes.Unavailable || ne.Message != "stream is down" {
				t.Errorf("node error %+v", ne)
			}
		}
	}
}

func TestRunAnswersBadLinesAndQuits(t *testing.T) {
	var out bytes.Buffer
	d := New(NewOutput(&out), Targets{Default: "nodes", Configs: map[string]func() gorums.Configuration{
		"nodes": func() gorums.Configuration { return gorums.Configuration{} },
	}})
	in := strings.NewReader(strings.Join([]string{
		`not json`,
		`{"id":1,"op":"frobnicate"}`,
		`{"id":2,"op":"config"}`,
		`{"id":3,"op":"readQC","target":"elsewhere"}`,
		`{"id":4,"op":"readQC","key":"k"}`,
	}, "\n"))
	d.Run(context.Background(), in) // EOF: waits for the running commands
	replies := lines(t, &out)
	if r := replies["null"]; r["ok"] != false || r["code"] != float64(codes.InvalidArgument) {
		t.Errorf("bad line: %v", r)
	}
	if r := replies["1"]; r["code"] != float64(codes.InvalidArgument) {
		t.Errorf("unknown op: %v", r)
	}
	if r := replies["2"]; r["ok"] != true || r["ids"] == nil || len(r["ids"].([]any)) != 0 {
		t.Errorf("config of an empty target: %v", r)
	}
	if r := replies["3"]; r["code"] != float64(codes.InvalidArgument) {
		t.Errorf("unknown target: %v", r)
	}
	if r := replies["4"]; r["code"] != float64(codes.FailedPrecondition) {
		t.Errorf("quorum call on an empty configuration: %v", r)
	}

	out.Reset()
	d.Run(context.Background(), strings.NewReader(`{"id":5,"op":"quit"}`+"\n"+`{"id":6,"op":"config"}`))
	replies = lines(t, &out)
	if r := replies["5"]; r["ok"] != true {
		t.Errorf("quit: %v", r)
	}
	if _, ok := replies["6"]; ok {
		t.Error("a command after quit was run")
	}
}

// lines decodes the reply lines in out by their id.
func lines(t *testing.T, out *bytes.Buffer) map[string]map[string]any {
	t.Helper()
	replies := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		b, _ := json.Marshal(r["id"])
		replies[string(b)] = r
	}
	return replies
}
