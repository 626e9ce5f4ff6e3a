// Command gorums-go-peer is a Go Gorums peer for the gorums-ts interop tests.
// It behaves on the wire as Go Gorums (github.com/relab/gorums at 3241d25b)
// does, serves the storage example's service, and is steered by JSON lines:
// events and replies on stdout, commands on stdin (see ../../README.md).
//
// Usage:
//
//	gorums-go-peer server --addr 127.0.0.1:0 [--id N --peers 1=h:p,...] [--tls-cert F --tls-key F]
//	gorums-go-peer system --id N --peers 1=h:p,... [--tls-cert F --tls-key F --tls-ca F]
//	gorums-go-peer client --nodes 1=h:p,... [--serve] [--metadata k=v]... [--node-id-header V] [--tls-ca F --tls-server-name N]
//
// EOF on stdin (after the running commands finish), a quit command, SIGTERM
// or SIGINT stop it with exit status 0.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"gorums-ts.dev/interop/internal/driver"
)

func main() {
	log.SetOutput(os.Stderr)
	log.SetPrefix("gorums-go-peer: ")
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	out := driver.NewOutput(os.Stdout)
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(ctx, out, os.Args[2:])
	case "system":
		err = runSystem(ctx, out, os.Args[2:])
	case "client":
		err = runClient(ctx, out, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gorums-go-peer server|system|client [flags]  (-h after the mode lists them)")
	os.Exit(2)
}
