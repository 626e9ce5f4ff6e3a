// Command gorums-release-peer is an interop peer built on the Go Gorums
// v0.11.0 release itself (github.com/relab/gorums@v0.11.0, its runtime and
// the stubs its own protoc-gen-gorums generated for the storage example). It
// speaks the JSON lines of interop/src/protocol.ts: events and replies on
// stdout, commands on stdin.
//
// Usage:
//
//	gorums-release-peer server --addr 127.0.0.1:0 [--tls-cert F --tls-key F]
//	gorums-release-peer client --nodes 1=h:p,... [--metadata k=v]... [--tls-ca F]
//
// The release has no symmetric configurations, so there is no system mode:
// its servers serve the storage service to whoever dials them. EOF on stdin
// or a quit command stops it with exit status 0.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
)

func main() {
	log.SetOutput(os.Stderr)
	log.SetPrefix("gorums-release-peer: ")
	if len(os.Args) < 2 {
		usage()
	}
	out := newOutput(os.Stdout)
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(out, os.Args[2:])
	case "client":
		err = runClient(out, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gorums-release-peer server|client [flags]  (-h after the mode lists them)")
	os.Exit(2)
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// parseNodes reads "1=h:p,2=h:p" into the release's address-to-ID map.
func parseNodes(list string) (map[string]uint32, error) {
	nodes := make(map[string]uint32)
	for _, part := range strings.Split(list, ",") {
		idText, addr, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("node %q is not ID=host:port", part)
		}
		id, err := strconv.ParseUint(idText, 10, 32)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("node %q: the ID must be a positive integer", part)
		}
		nodes[addr] = uint32(id)
	}
	return nodes, nil
}

// newFlags is a flag set for one mode that exits on a bad flag.
func newFlags(mode string) *flag.FlagSet {
	return flag.NewFlagSet("gorums-release-peer "+mode, flag.ExitOnError)
}
