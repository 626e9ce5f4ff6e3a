package main

import (
	"context"
	"flag"
	"fmt"
	"net"

	"gorums-ts.dev/interop/internal/driver"
	"gorums-ts.dev/interop/internal/gorums"
	"gorums-ts.dev/interop/internal/storage"
)

// configEvents writes the config and clients events of a server.
func configEvents(out *driver.Output) func(gorums.ConfigChange) {
	return func(ch gorums.ConfigChange) {
		if ch.ConfigChanged {
			out.IDs("config", ch.Config)
		}
		if ch.ClientsChanged {
			out.IDs("clients", ch.Clients)
		}
	}
}

// serverTargets are the configurations of a server: Config and ClientConfig.
func serverTargets(srv *gorums.Server) map[string]func() gorums.Configuration {
	return map[string]func() gorums.Configuration{
		"config":  srv.Config,
		"clients": srv.ClientConfig,
	}
}

// runServer is a Go Gorums server (NewServer, with WithConfig when --id and
// --peers are given) serving storage.
func runServer(ctx context.Context, out *driver.Output, args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	id := fs.Uint("id", 0, "this server's node ID (with --peers)")
	peersFlag := fs.String("peers", "", "known peers, ID=host:port,... (this server included)")
	cert := fs.String("tls-cert", "", "TLS certificate file")
	key := fs.String("tls-key", "", "TLS key file")
	_ = fs.Parse(args)

	peers, err := parseNodes(*peersFlag)
	if err != nil {
		return err
	}
	grpcOpts, err := serverCreds(*cert, *key)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	out.Listening(lis.Addr().String())
	srv, err := gorums.NewServer(gorums.ServerOptions{
		GRPC:     grpcOpts,
		MyID:     uint32(*id),
		Peers:    peers,
		OnChange: configEvents(out),
	})
	if err != nil {
		_ = lis.Close()
		return fmt.Errorf("server: %w", err)
	}
	storage.Register(srv, storage.NewStore())
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	driver.New(out, driver.Targets{Default: "config", Configs: serverTargets(srv)}).Run(ctx, stdin())
	return nil
}
