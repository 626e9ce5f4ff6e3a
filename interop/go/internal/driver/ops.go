package driver

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagepb "gorums-ts.dev/interop/gen/storage"
	"gorums-ts.dev/interop/internal/gorums"
	"gorums-ts.dev/interop/internal/storage"
)

// op runs one command and returns its success line (the id is filled in by
// the caller).
type op func(ctx context.Context, d *Driver, c *command) (response, error)

var ops = map[string]op{
	"readRPC":              readRPC,
	"writeRPC":             writeRPC,
	"writeUnicast":         writeUnicast,
	"readQC":               readQC,
	"writeQC":              writeQC,
	"writeMulticast":       writeMulticast,
	"readNestedQC":         readNestedQC,
	"writeNestedMulticast": writeNestedMulticast,
	"readCorrectable":      readCorrectable,
	"call":                 rawCall,
	"config":               configIDs,
}

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

func (c *command) readRequest() *storagepb.ReadRequest {
	return &storagepb.ReadRequest{Key: c.Key}
}

func (c *command) writeRequest() *storagepb.WriteRequest {
	req := &storagepb.WriteRequest{Key: c.Key, Value: c.Value}
	if c.Ts != nil {
		req.Time = &timestamppb.Timestamp{Seconds: *c.Ts}
	}
	return req
}

// callContext is the command's deadline with its metadata as outgoing
// metadata, which a call turns into per-message entries.
func (c *command) callContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(parent, c.timeout())
	if len(c.Metadata) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, metadata.New(c.Metadata))
	}
	return ctx, cancel
}

func (d *Driver) node(c *command) (*gorums.Node, error) {
	cfg, err := d.config(c)
	if err != nil {
		return nil, err
	}
	n, ok := cfg.Node(c.Node)
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no node %d in %s", c.Node, d.targetName(c))
	}
	return n, nil
}

// quorumCall runs a plain quorum call of method on the command's target and
// waits for its threshold.
func quorumCall[Resp proto.Message](ctx context.Context, d *Driver, c *command, method string, req proto.Message) (Resp, error) {
	var zero Resp
	cfg, err := d.config(c)
	if err != nil {
		return zero, err
	}
	t, err := c.threshold(cfg.Size())
	if err != nil {
		return zero, invalid("%v", err)
	}
	return gorums.QuorumCall[Resp](ctx, cfg, method, req, false).Threshold(t)
}

func readRPC(ctx context.Context, d *Driver, c *command) (response, error) {
	n, err := d.node(c)
	if err != nil {
		return response{}, err
	}
	r, err := gorums.RPC[*storagepb.ReadResponse](ctx, n, storage.ReadRPC, c.readRequest())
	if err != nil {
		return response{}, err
	}
	return response{Reply: fromRead(r)}, nil
}

func writeRPC(ctx context.Context, d *Driver, c *command) (response, error) {
	n, err := d.node(c)
	if err != nil {
		return response{}, err
	}
	r, err := gorums.RPC[*storagepb.WriteResponse](ctx, n, storage.WriteRPC, c.writeRequest())
	if err != nil {
		return response{}, err
	}
	return response{Reply: fromWrite(r)}, nil
}

func writeUnicast(ctx context.Context, d *Driver, c *command) (response, error) {
	n, err := d.node(c)
	if err != nil {
		return response{}, err
	}
	return response{}, gorums.Unicast(ctx, n, storage.WriteUnicast, c.writeRequest())
}

func readQC(ctx context.Context, d *Driver, c *command) (response, error) {
	r, err := quorumCall[*storagepb.ReadResponse](ctx, d, c, storage.ReadQC, c.readRequest())
	if err != nil {
		return response{}, err
	}
	return response{Reply: fromRead(r)}, nil
}

func writeQC(ctx context.Context, d *Driver, c *command) (response, error) {
	r, err := quorumCall[*storagepb.WriteResponse](ctx, d, c, storage.WriteQC, c.writeRequest())
	if err != nil {
		return response{}, err
	}
	return response{Reply: fromWrite(r)}, nil
}

func readNestedQC(ctx context.Context, d *Driver, c *command) (response, error) {
	r, err := quorumCall[*storagepb.ReadResponse](ctx, d, c, storage.ReadNestedQC, c.readRequest())
	if err != nil {
		return response{}, err
	}
	return response{Reply: fromRead(r)}, nil
}

func writeNestedMulticast(ctx context.Context, d *Driver, c *command) (response, error) {
	r, err := quorumCall[*storagepb.WriteResponse](ctx, d, c, storage.WriteNestedMulticast, c.writeRequest())
	if err != nil {
		return response{}, err
	}
	return response{Reply: fromWrite(r)}, nil
}

func writeMulticast(ctx context.Context, d *Driver, c *command) (response, error) {
	cfg, err := d.config(c)
	if err != nil {
		return response{}, err
	}
	return response{}, gorums.Multicast(ctx, cfg, storage.WriteMulticast, c.writeRequest())
}

// readCorrectable runs ReadCorrectable as a streaming quorum call and waits
// until its level (successful replies from all nodes and messages) reaches
// the command's level (default: its quorum), or the deadline.
func readCorrectable(ctx context.Context, d *Driver, c *command) (response, error) {
	cfg, err := d.config(c)
	if err != nil {
		return response{}, err
	}
	level := c.Level
	if level <= 0 {
		if level, err = c.threshold(cfg.Size()); err != nil {
			return response{}, invalid("%v", err)
		}
	}
	if cfg.Size() == 0 {
		return response{}, gorums.ErrEmptyConfiguration
	}
	corr := gorums.QuorumCall[*storagepb.ReadResponse](ctx, cfg, storage.ReadCorrectable, c.readRequest(), true).Correctable(level)
	<-corr.Done()
	value, got, err := corr.Get()
	if err != nil {
		return response{Level: &got}, err
	}
	return response{Level: &got, Reply: fromRead(value)}, nil
}

// rawCall sends an RPC of any method name with a ReadRequest{key} payload
// and decodes the reply's payload as a ReadResponse.
func rawCall(ctx context.Context, d *Driver, c *command) (response, error) {
	if c.Method == "" {
		return response{}, invalid("call needs a method")
	}
	n, err := d.node(c)
	if err != nil {
		return response{}, err
	}
	msg, err := gorums.RPCRaw(ctx, n, c.Method, c.readRequest())
	if err != nil {
		return response{}, err
	}
	r := &storagepb.ReadResponse{}
	if err := proto.Unmarshal(msg.GetPayload(), r); err != nil {
		return response{}, fmt.Errorf("call: reply does not decode as a ReadResponse: %w", err)
	}
	return response{Reply: fromRead(r)}, nil
}

func configIDs(_ context.Context, d *Driver, c *command) (response, error) {
	cfg, err := d.config(c)
	if err != nil {
		return response{}, err
	}
	ids := cfg.IDs()
	return response{IDs: &ids}, nil
}
