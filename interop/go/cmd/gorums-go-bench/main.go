// Command gorums-go-bench is a stand-in for Go Gorums' cmd/benchmark, built
// on this module's Go peer (grpc-go, Go Gorums' wire) because the Go module
// proxy serves no Go Gorums that speaks the current wire. It has the same
// command line (--server, --remotes, --config-size, --quorum-size,
// --concurrent, --payload, --time, --warmup, --benchmarks), serves and calls
// the same service (benchmark.Benchmark) the same way, and prints the same
// table, so `pnpm bench:go` can run it where it would run Go's
// (GORUMS_GO_BENCHMARK=interop/go/bin/gorums-go-bench). Its figures are this
// stand-in's, not Go Gorums'.
//
// Usage:
//
//	gorums-go-bench --server 127.0.0.1:PORT
//	gorums-go-bench --remotes A,B,C,D [--config-size N] [--quorum-size N] [--concurrent N] [--payload N] [--time 1s] [--warmup 100ms] [--benchmarks REGEXP]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"
)

func main() {
	log.SetOutput(os.Stderr)
	log.SetPrefix("gorums-go-bench: ")
	var (
		server     = flag.String("server", "", "Run a benchmark server on given `address`.")
		remotes    = flag.String("remotes", "", "A comma separated `list` of remote addresses to connect to.")
		cfgSize    = flag.Int("config-size", 4, "Size of the configuration to use. If < 1, all nodes will be used.")
		qSize      = flag.Int("quorum-size", 0, "Number of replies to wait for before completing a quorum call.")
		concurrent = flag.Int("concurrent", 1, "Number of goroutines that can make calls concurrently.")
		payload    = flag.Int("payload", 0, "Size of the payload in request and response messages (in bytes).")
		benchTime  = flag.Duration("time", time.Second, "The duration of each benchmark.")
		warmup     = flag.Duration("warmup", 100*time.Millisecond, "Warmup duration.")
		benchmarks = flag.String("benchmarks", ".*", "A `regexp` matching the benchmarks to run.")
	)
	flag.Parse()
	if *server != "" {
		if err := serve(*server); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *remotes == "" {
		log.Fatal("--remotes is required (this stand-in starts no local servers)")
	}
	addrs := strings.Split(*remotes, ",")
	n := *cfgSize
	if n < 1 || n > len(addrs) {
		n = len(addrs)
	}
	q := *qSize
	switch {
	case n == 1:
		q = 1
	case q < 1:
		q = n / 2 // Go's default
	case q > n:
		q = n
	}
	match, err := regexp.Compile(*benchmarks)
	if err != nil {
		log.Fatal(err)
	}
	opts := options{concurrent: *concurrent, payload: *payload, duration: *benchTime, warmup: *warmup, quorumSize: q}
	results, err := runBenchmarks(addrs[:n], opts, match)
	if err != nil {
		log.Fatal(err)
	}
	printResults(os.Stdout, results)
}

// serve runs a benchmark server until SIGINT or SIGTERM.
func serve(addr string) error {
	srv, lis, err := listen(addr)
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(lis) }()
	fmt.Printf("Running benchmark server on '%s'\n", lis.Addr())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	srv.Stop()
	return nil
}
