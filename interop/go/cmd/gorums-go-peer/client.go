package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc/metadata"

	"gorums-ts.dev/interop/internal/driver"
	"gorums-ts.dev/interop/internal/gorums"
	"gorums-ts.dev/interop/internal/storage"
)

// runClient is a Go Gorums client (NewConfig); with --serve it is a client
// peer (NewConfig WithServer of a server without an ID: header
// gorums-node-id: 0) that serves storage on its dialed streams.
func runClient(ctx context.Context, out *driver.Output, args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	nodesFlag := fs.String("nodes", "", "nodes to dial, ID=host:port,...")
	serve := fs.Bool("serve", false, "serve storage on the dialed streams (announces gorums-node-id: 0)")
	var md pairs
	fs.Var(&md, "metadata", "stream header key=value (repeatable)")
	nodeIDHeader := fs.String("node-id-header", "", "send exactly this gorums-node-id header value")
	ca := fs.String("tls-ca", "", "CA file to trust (TLS)")
	serverName := fs.String("tls-server-name", "", "server name to verify (TLS)")
	_ = fs.Parse(args)
	nodeIDSet := false
	fs.Visit(func(f *flag.Flag) { nodeIDSet = nodeIDSet || f.Name == "node-id-header" })

	nodes, err := parseNodes(*nodesFlag)
	if err != nil {
		return err
	}
	dialOpts, err := dialCreds(*ca, *serverName)
	if err != nil {
		return err
	}
	opts := gorums.DialOptions{GRPC: dialOpts, Metadata: metadata.Pairs(md.kv()...)}
	if *serve {
		srv, err := gorums.NewServer(gorums.ServerOptions{})
		if err != nil {
			return err
		}
		storage.Register(srv, storage.NewStore())
		opts.Handler = srv
		opts.Metadata.Set(gorums.NodeIDHeader, "0")
	}
	if nodeIDSet {
		opts.Metadata.Set(gorums.NodeIDHeader, *nodeIDHeader)
	}
	m, err := gorums.NewManager(nodes, opts)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer func() { _ = m.Close() }()
	m.WaitAttempted()
	out.Ready()

	targets := map[string]func() gorums.Configuration{"nodes": m.Config}
	driver.New(out, driver.Targets{Default: "nodes", Configs: targets}).Run(ctx, stdin())
	return nil
}

// stdin is where commands come from.
func stdin() io.Reader { return os.Stdin }
