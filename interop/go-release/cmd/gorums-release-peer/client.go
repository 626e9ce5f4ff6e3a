package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relab/gorums"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "gorums-ts.dev/interop-release/gen/storage"
)

// runClient dials the nodes with the release's manager and answers commands until stdin ends.
func runClient(out *output, args []string) error {
	fs := newFlags("client")
	nodes := fs.String("nodes", "", "the nodes, 1=host:port,2=host:port")
	var md repeated
	fs.Var(&md, "metadata", "a stream header k=v (repeatable)")
	caFile := fs.String("tls-ca", "", "dial with TLS, trusting this CA certificate (PEM)")
	_ = fs.Parse(args)
	creds := insecure.NewCredentials()
	if *caFile != "" {
		tlsCreds, err := credentials.NewClientTLSFromFile(*caFile, "")
		if err != nil {
			return err
		}
		creds = tlsCreds
	}
	addrs, err := parseNodes(*nodes)
	if err != nil {
		return err
	}
	headers := metadata.MD{}
	for _, kv := range md {
		k, v, _ := strings.Cut(kv, "=")
		headers.Append(k, v)
	}
	mgr := pb.NewManager(
		gorums.WithDialOptions(grpc.WithTransportCredentials(creds)),
		gorums.WithMetadata(headers),
	)
	defer mgr.Close()
	cfg, err := pb.NewConfiguration(mgr, gorums.WithNodeMap(addrs))
	if err != nil {
		return err
	}
	out.event("ready", nil)
	var running sync.WaitGroup
	err = readCommands(os.Stdin, out, func(c *command) {
		running.Add(1)
		go func() {
			defer running.Done()
			out.write(execute(cfg, c))
		}()
	})
	running.Wait()
	return err
}

// execute runs one command with its deadline and per-message metadata.
func execute(cfg pb.Configuration, c *command) any {
	timeout := 5 * time.Second
	if c.TimeoutMs != nil {
		timeout = time.Duration(*c.TimeoutMs) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for k, v := range c.Metadata {
		ctx = metadata.AppendToOutgoingContext(ctx, k, v)
	}
	reply, level, err := run(ctx, cfg, c)
	if err != nil {
		return failure(c.ID, err)
	}
	r := map[string]any{"id": c.ID, "ok": true}
	if reply != nil {
		r["reply"] = reply
	}
	if level > 0 {
		r["level"] = level
	}
	return r
}

func run(ctx context.Context, cfg pb.Configuration, c *command) (reply any, level int, err error) {
	read := &pb.ReadRequest{Key: c.Key}
	write := &pb.WriteRequest{Key: c.Key, Value: c.Value}
	if c.Ts != nil {
		write.Time = &timestamppb.Timestamp{Seconds: *c.Ts}
	}
	node := func() (*gorums.NodeContext, error) {
		for _, n := range cfg.Nodes() {
			if n.ID() == c.Node {
				return n.Context(ctx), nil
			}
		}
		return nil, status.Errorf(codes.InvalidArgument, "no node %d", c.Node)
	}
	threshold, err := quorumOf(c, cfg.Size())
	if err != nil {
		return nil, 0, status.Error(codes.InvalidArgument, err.Error())
	}
	switch c.Op {
	case "readRPC", "writeRPC", "writeUnicast", "call":
		n, err := node()
		if err != nil {
			return nil, 0, err
		}
		switch c.Op {
		case "readRPC":
			return readReply(pb.ReadRPC(n, read))
		case "writeRPC":
			return writeReply(pb.WriteRPC(n, write))
		case "writeUnicast":
			return nil, 0, pb.WriteUnicast(n, write)
		default:
			// An rpc of any method name, with a ReadRequest{key}.
			resp, err := gorums.RPCCall(n, read, c.Method)
			if err != nil {
				return nil, 0, err
			}
			if r, ok := resp.(*pb.ReadResponse); ok {
				return readReply(r, nil)
			}
			return nil, 0, nil
		}
	case "writeMulticast":
		return nil, 0, pb.WriteMulticast(cfg.Context(ctx), write)
	case "readQC":
		return readReply(pb.ReadQC(cfg.Context(ctx), read).Threshold(threshold))
	case "writeQC":
		return writeReply(pb.WriteQC(cfg.Context(ctx), write).Threshold(threshold))
	case "readNestedQC":
		return readReply(pb.ReadNestedQC(cfg.Context(ctx), read).Threshold(threshold))
	case "writeNestedMulticast":
		return writeReply(pb.WriteNestedMulticast(cfg.Context(ctx), write).Threshold(threshold))
	case "readCorrectable":
		corr := pb.ReadCorrectable(cfg.Context(ctx), read).Correctable(c.Level)
		select {
		case <-corr.Watch(c.Level):
		case <-corr.Done():
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
		resp, lvl, err := corr.Get()
		if err != nil {
			return nil, 0, err
		}
		r, _, _ := readReply(resp, nil)
		return r, lvl, nil
	}
	return nil, 0, status.Errorf(codes.InvalidArgument, "unknown op %q", c.Op)
}

// quorumOf reads "first", "majority", "all" or a number (default: a majority of n).
func quorumOf(c *command, n int) (int, error) {
	if len(c.Quorum) == 0 || string(c.Quorum) == "null" {
		return n/2 + 1, nil
	}
	var name string
	if json.Unmarshal(c.Quorum, &name) == nil {
		switch name {
		case "first":
			return 1, nil
		case "majority":
			return n/2 + 1, nil
		case "all":
			return n, nil
		}
		return strconv.Atoi(name)
	}
	var t int
	if err := json.Unmarshal(c.Quorum, &t); err != nil {
		return 0, fmt.Errorf("quorum must be \"first\", \"majority\", \"all\" or an integer, not %s", c.Quorum)
	}
	return t, nil
}

func readReply(r *pb.ReadResponse, err error) (any, int, error) {
	if err != nil {
		return nil, 0, err
	}
	return map[string]any{"ok": r.GetOk(), "value": r.GetValue(), "ts": r.GetTime().GetSeconds()}, 0, nil
}

func writeReply(r *pb.WriteResponse, err error) (any, int, error) {
	if err != nil {
		return nil, 0, err
	}
	return map[string]any{"new": r.GetNew()}, 0, nil
}

// codeOf is an error's gRPC code and message; a failed quorum call is Unknown with its text.
func codeOf(err error) (codes.Code, string) {
	// First: the release's QuorumCallError unwraps to its nodes' errors, so a
	// node that timed out would otherwise make the whole call DeadlineExceeded.
	var qc gorums.QuorumCallError
	if errors.As(err, &qc) {
		return codes.Unknown, err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		st := status.FromContextError(err)
		return st.Code(), st.Message()
	}
	if st, ok := status.FromError(err); ok {
		return st.Code(), st.Message()
	}
	return codes.Unknown, err.Error()
}

// failure is a failed command's line; a quorum call's per-node causes go in nodeErrors.
func failure(id json.RawMessage, err error) map[string]any {
	code, message := codeOf(err)
	r := map[string]any{"id": id, "ok": false, "code": code, "message": message, "error": err.Error()}
	var qc gorums.QuorumCallError
	if errors.As(err, &qc) {
		// The release keeps the failed nodes' IDs unexported; their causes are what Unwrap gives.
		nodes := []map[string]any{}
		for _, cause := range qc.Unwrap() {
			c, m := codeOf(cause)
			nodes = append(nodes, map[string]any{"node": 0, "code": c, "message": m})
		}
		r["nodeErrors"] = nodes
	}
	return r
}
