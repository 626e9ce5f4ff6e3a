package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"time"

	"gorums-ts.dev/interop/internal/driver"
	"gorums-ts.dev/interop/internal/gorums"
	"gorums-ts.dev/interop/internal/storage"
)

// runSystem is a Go Gorums System replica (NewSystem with WithConfig and
// WithOutboundNodes over the same peer list) serving storage.
func runSystem(ctx context.Context, out *driver.Output, args []string) error {
	fs := flag.NewFlagSet("system", flag.ExitOnError)
	id := fs.Uint("id", 0, "this replica's node ID")
	peersFlag := fs.String("peers", "", "all replicas, ID=host:port,... (this one included)")
	cert := fs.String("tls-cert", "", "TLS certificate file")
	key := fs.String("tls-key", "", "TLS key file")
	ca := fs.String("tls-ca", "", "CA file to trust when dialing the other replicas (TLS)")
	serverName := fs.String("tls-server-name", "", "server name to verify when dialing (TLS)")
	await := fs.Duration("await-peers", 30*time.Second, "before dialing, wait up to this long for every other replica to accept TCP connections (0: dial at once, as Go's NewSystem does)")
	_ = fs.Parse(args)

	peers, err := parseNodes(*peersFlag)
	if err != nil {
		return err
	}
	var own string
	for _, p := range peers {
		if p.ID == uint32(*id) {
			own = p.Addr
		}
	}
	if *id == 0 || own == "" {
		return fmt.Errorf("system: --id must name an entry of --peers")
	}
	grpcOpts, err := serverCreds(*cert, *key)
	if err != nil {
		return err
	}
	dialOpts, err := dialCreds(*ca, *serverName)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", own)
	if err != nil {
		return err
	}
	out.Listening(lis.Addr().String())
	sys, err := gorums.NewSystem(lis, gorums.SystemOptions{
		MyID:   uint32(*id),
		Peers:  peers,
		Server: gorums.ServerOptions{GRPC: grpcOpts, OnChange: configEvents(out)},
		Dial:   gorums.DialOptions{GRPC: dialOpts},
	})
	if err != nil {
		_ = lis.Close()
		return fmt.Errorf("system: %w", err)
	}
	storage.Register(sys.Server(), storage.NewStore())
	sys.Serve()
	defer func() { _ = sys.Stop() }()
	awaitListening(ctx, others(peers, uint32(*id)), *await)
	if err := sys.Dial(); err != nil {
		return fmt.Errorf("system: %w", err)
	}

	targets := serverTargets(sys.Server())
	targets["outbound"] = sys.Outbound
	targets["nodes"] = sys.Outbound
	driver.New(out, driver.Targets{Default: "outbound", Configs: targets}).Run(ctx, stdin())
	return nil
}

// others are the peers other than id.
func others(peers []gorums.NodeAddr, id uint32) []gorums.NodeAddr {
	var out []gorums.NodeAddr
	for _, p := range peers {
		if p.ID != id {
			out = append(out, p)
		}
	}
	return out
}

// awaitListening waits until every peer accepts a TCP connection, for at most
// limit. Go Gorums opens a replica's outbound streams once, when the System is
// created, and again only on a send; a replica started before the others
// would otherwise stay out of their Configs. (Go's NewLocalSystems avoids it
// the same way: every listener exists before any replica dials.)
func awaitListening(ctx context.Context, peers []gorums.NodeAddr, limit time.Duration) {
	if limit <= 0 {
		return
	}
	deadline := time.Now().Add(limit)
	for _, p := range peers {
		for {
			conn, err := net.DialTimeout("tcp", p.Addr, time.Second)
			if err == nil {
				_ = conn.Close()
				break
			}
			if ctx.Err() != nil {
				return
			}
			if time.Now().After(deadline) {
				log.Printf("system: node %d (%s) is not listening after %v; dialing anyway", p.ID, p.Addr, limit)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
