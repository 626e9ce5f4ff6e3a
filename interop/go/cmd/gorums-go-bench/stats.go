package main

import (
	"runtime"
	"sync"
	"time"

	benchpb "gorums-ts.dev/interop/gen/benchmark"
)

// stats is one campaign's figures, as Go Gorums' benchmark keeps them: a
// count with Welford's mean and variance of latencies, the campaign's clock
// time and the allocations between start and end.
type stats struct {
	mu         sync.Mutex
	start, end time.Time
	startMem   runtime.MemStats
	endMem     runtime.MemStats
	count      uint64
	mean, m2   float64
}

func (s *stats) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start, s.end = time.Time{}, time.Time{}
	s.startMem, s.endMem = runtime.MemStats{}, runtime.MemStats{}
	s.count, s.mean, s.m2 = 0, 0, 0
}

func (s *stats) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	runtime.ReadMemStats(&s.startMem)
	s.start = time.Now()
}

func (s *stats) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.end = time.Now()
	runtime.ReadMemStats(&s.endMem)
}

func (s *stats) addLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	delta := float64(d) - s.mean
	s.mean += delta / float64(s.count)
	s.m2 += delta * (float64(d) - s.mean)
}

// result is the campaign as the wire's Result (per-op figures 0 without operations).
func (s *stats) result() *benchpb.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &benchpb.Result{TotalOps: s.count, TotalTime: int64(s.end.Sub(s.start))}
	if secs := s.end.Sub(s.start).Seconds(); secs > 0 {
		r.Throughput = float64(s.count) / secs
	}
	r.LatencyAvg = s.mean
	if s.count > 2 {
		r.LatencyVar = s.m2 / float64(s.count-1)
	}
	if s.count > 0 {
		r.AllocsPerOp = (s.endMem.Mallocs - s.startMem.Mallocs) / s.count
		r.MemPerOp = (s.endMem.TotalAlloc - s.startMem.TotalAlloc) / s.count
	}
	return r
}

// memory is what was allocated between begin and finish.
func (s *stats) memory() *benchpb.MemoryStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &benchpb.MemoryStat{Allocs: s.endMem.Mallocs - s.startMem.Mallocs, Memory: s.endMem.TotalAlloc - s.startMem.TotalAlloc}
}
