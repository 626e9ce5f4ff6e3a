package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	benchpb "gorums-ts.dev/interop/gen/benchmark"
	"gorums-ts.dev/interop/internal/gorums"
)

// options are Go's benchmark.Options that this stand-in uses.
type options struct {
	concurrent int
	payload    int
	duration   time.Duration
	warmup     time.Duration
	quorumSize int
}

// named is one benchmark's result with its name.
type named struct {
	name string
	r    *benchpb.Result
}

// runBenchmarks runs, against addrs, the benchmarks whose names match, in
// name order: QuorumCall and SlowServer (client-side campaigns) and
// Multicast (a server-side campaign), as Go's cmd/benchmark with --remotes.
func runBenchmarks(addrs []string, o options, match *regexp.Regexp) ([]named, error) {
	nodes := make([]gorums.NodeAddr, len(addrs))
	for i, a := range addrs {
		nodes[i] = gorums.NodeAddr{ID: uint32(i + 1), Addr: a}
	}
	mgr, err := gorums.NewManager(nodes, gorums.DialOptions{GRPC: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}})
	if err != nil {
		return nil, err
	}
	defer mgr.Close()
	cfg := mgr.Config()
	echo := &benchpb.Echo{Payload: make([]byte, o.payload)}
	qc := func(m string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := gorums.QuorumCall[*benchpb.Echo](ctx, cfg, m, echo, false).Threshold(o.quorumSize)
			return err
		}
	}
	all := map[string]func() (*benchpb.Result, error){
		"QuorumCall": func() (*benchpb.Result, error) { return clientCampaign(cfg, o, qc(method("QuorumCall"))) },
		"SlowServer": func() (*benchpb.Result, error) { return clientCampaign(cfg, o, qc(method("SlowServer"))) },
		"Multicast":  func() (*benchpb.Result, error) { return serverCampaign(cfg, o) },
	}
	names := make([]string, 0, len(all))
	for name := range all {
		if match.MatchString(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var results []named
	for _, name := range names {
		r, err := all[name]()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		results = append(results, named{name, r})
	}
	return results, nil
}

// loops runs `concurrent` callers, each calling one call after another until `until`.
func loops(o options, until time.Time, call func(context.Context) error, s *stats) error {
	var wg sync.WaitGroup
	errs := make(chan error, o.concurrent)
	for range o.concurrent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !time.Now().After(until) {
				start := time.Now()
				if err := call(context.Background()); err != nil {
					errs <- err
					return
				}
				if s != nil {
					s.addLatency(time.Since(start))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// clientCampaign is Go's runQCBenchmark: warm-up, StartBenchmark on every
// server, the measured loops, StopBenchmark collecting their allocations.
func clientCampaign(cfg gorums.Configuration, o options, call func(context.Context) error) (*benchpb.Result, error) {
	ctx := context.Background()
	if err := loops(o, time.Now().Add(o.warmup), call, nil); err != nil {
		return nil, err
	}
	if _, err := gorums.QuorumCall[*benchpb.StartResponse](ctx, cfg, method("StartBenchmark"), &benchpb.StartRequest{}, false).All(); err != nil {
		return nil, err
	}
	s := &stats{}
	s.begin()
	if err := loops(o, time.Now().Add(o.duration), call, s); err != nil {
		return nil, err
	}
	s.finish()
	r := s.result()
	for res := range gorums.QuorumCall[*benchpb.MemoryStat](ctx, cfg, method("StopBenchmark"), &benchpb.StopRequest{}, false).Results() {
		if res.Err == nil {
			r.ServerStats = append(r.ServerStats, res.Value)
		}
	}
	// As Go prints without --server-stats: the servers' bytes and allocations per op added in.
	for _, st := range r.ServerStats {
		if r.TotalOps > 0 {
			r.MemPerOp += st.GetMemory() / r.TotalOps
			r.AllocsPerOp += st.GetAllocs() / r.TotalOps
		}
	}
	return r, nil
}

// serverCampaign is Go's runServerBenchmark (Multicast): the servers measure,
// their results are pooled, and the client's allocations per op are added.
func serverCampaign(cfg gorums.Configuration, o options) (*benchpb.Result, error) {
	ctx := context.Background()
	payload := make([]byte, o.payload)
	send := func(until time.Time) error {
		for range o.concurrent {
			for !time.Now().After(until) {
				if err := gorums.Multicast(ctx, cfg, method("Multicast"), &benchpb.TimedMsg{SendTime: time.Now().UnixNano(), Payload: payload}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := send(time.Now().Add(o.warmup)); err != nil {
		return nil, err
	}
	if _, err := gorums.QuorumCall[*benchpb.StartResponse](ctx, cfg, method("StartServerBenchmark"), &benchpb.StartRequest{}, false).All(); err != nil {
		return nil, err
	}
	var start, end runtime.MemStats
	runtime.ReadMemStats(&start)
	if err := send(time.Now().Add(o.duration)); err != nil {
		return nil, err
	}
	runtime.ReadMemStats(&end)
	var replies []*benchpb.Result
	for res := range gorums.QuorumCall[*benchpb.Result](ctx, cfg, method("StopServerBenchmark"), &benchpb.StopRequest{}, false).Results() {
		if res.Err == nil {
			replies = append(replies, res.Value)
		}
	}
	r, err := pool(replies)
	if err != nil {
		return nil, err
	}
	if r.TotalOps > 0 {
		r.AllocsPerOp = (end.Mallocs - start.Mallocs) / r.TotalOps
		r.MemPerOp = (end.TotalAlloc - start.TotalAlloc) / r.TotalOps
	}
	return r, nil
}

// pool makes the servers' results one: operations, time and throughput
// averaged over the servers, the mean weighted by operations, the variance
// pooled.
func pool(replies []*benchpb.Result) (*benchpb.Result, error) {
	if len(replies) == 0 {
		return nil, fmt.Errorf("no server answered StopServerBenchmark")
	}
	r := &benchpb.Result{}
	var ops uint64
	var weighted, squares float64
	for _, x := range replies {
		ops += x.GetTotalOps()
		r.TotalTime += x.GetTotalTime()
		r.Throughput += x.GetThroughput()
		weighted += x.GetLatencyAvg() * float64(x.GetTotalOps())
		if x.GetTotalOps() > 0 {
			squares += float64(x.GetTotalOps()-1) * x.GetLatencyVar()
		}
	}
	k := uint64(len(replies))
	if ops > 0 {
		r.LatencyAvg = weighted / float64(ops)
	}
	if ops > k {
		r.LatencyVar = squares / float64(ops-k)
	}
	r.TotalOps = ops / k
	r.TotalTime /= int64(k)
	r.Throughput /= float64(k)
	return r, nil
}

// printResults writes Go's results table.
func printResults(w io.Writer, results []named) {
	tw := tabwriter.NewWriter(w, 0, 0, 4, ' ', 0)
	fmt.Fprintln(tw, "Benchmark\tThroughput\tLatency\tStd.dev\tClient+Servers\t\t")
	for _, x := range results {
		r := x.r
		fmt.Fprintf(tw, "%s\t%.2f ops/sec\t%.2f ms\t%.2f ms\t%d B/op\t%d allocs/op\t\n", x.name, r.GetThroughput(),
			r.GetLatencyAvg()/float64(time.Millisecond), math.Sqrt(r.GetLatencyVar())/float64(time.Millisecond), r.GetMemPerOp(), r.GetAllocsPerOp())
	}
	tw.Flush()
}
