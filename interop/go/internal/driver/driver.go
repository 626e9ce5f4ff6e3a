package driver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"gorums-ts.dev/interop/internal/gorums"
)

// Targets are the configurations commands can name in "target", and the one
// they use without it.
type Targets struct {
	Default string
	Configs map[string]func() gorums.Configuration
}

// Driver reads commands and answers them.
type Driver struct {
	out     *Output
	targets Targets
}

// New returns a driver writing to out.
func New(out *Output, targets Targets) *Driver {
	return &Driver{out: out, targets: targets}
}

func (d *Driver) targetName(c *command) string {
	if c.Target != "" {
		return c.Target
	}
	return d.targets.Default
}

func (d *Driver) config(c *command) (gorums.Configuration, error) {
	name := d.targetName(c)
	get, ok := d.targets.Configs[name]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "unknown target %q", name)
	}
	return get(), nil
}

// Run reads commands from in until EOF, a quit command, or ctx ends. Each
// command runs in its own goroutine; replies are written as they finish.
// After EOF, Run waits for the commands still running (each ends by its
// deadline); after quit or the end of ctx it returns at once.
func (d *Driver) Run(ctx context.Context, in io.Reader) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var running sync.WaitGroup
	lines := make(chan []byte)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			line := append([]byte(nil), sc.Bytes()...)
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
		if err := sc.Err(); err != nil {
			log.Printf("driver: reading stdin: %v", err)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case line, ok := <-lines:
			if !ok {
				done := make(chan struct{})
				go func() { running.Wait(); close(done) }()
				select {
				case <-done:
				case <-ctx.Done():
				}
				return
			}
			if len(line) == 0 {
				continue
			}
			var c command
			if err := json.Unmarshal(line, &c); err != nil {
				d.out.Write(failure(c.idOrNull(), status.Errorf(codes.InvalidArgument, "bad command: %v", err)))
				continue
			}
			if c.Op == "quit" {
				d.out.Write(response{ID: c.idOrNull(), Ok: true})
				return
			}
			running.Add(1)
			go func() {
				defer running.Done()
				d.execute(ctx, &c)
			}()
		}
	}
}

func (d *Driver) execute(parent context.Context, c *command) {
	run, ok := ops[c.Op]
	if !ok {
		d.out.Write(failure(c.idOrNull(), status.Errorf(codes.InvalidArgument, "unknown op %q", c.Op)))
		return
	}
	ctx, cancel := c.callContext(parent)
	// The context is left to end at its deadline rather than cancelled as
	// soon as the command is answered: a Gorums call whose context ends
	// while its message is still being written to a stream tears that
	// stream down (for good, on an accepted stream), and a quorum call
	// answered by a quorum may still be writing to the other nodes.
	defer time.AfterFunc(c.timeout(), cancel)
	r, err := run(ctx, d, c)
	if err != nil {
		f := failure(c.idOrNull(), err)
		f.Level = r.Level
		d.out.Write(f)
		return
	}
	r.ID, r.Ok = c.idOrNull(), true
	d.out.Write(r)
}
