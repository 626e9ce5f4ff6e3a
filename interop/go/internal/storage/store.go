package storage

import (
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagepb "gorums-ts.dev/interop/gen/storage"
)

// Store is one replica's state: per key, the last value written and its
// time.
type Store struct {
	mu      sync.Mutex
	entries map[string]entry
	calls   map[string]uint64 // requests handled, by full method name
}

type entry struct {
	value string
	time  *timestamppb.Timestamp // nil: written without a time
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{entries: make(map[string]entry), calls: make(map[string]uint64)}
}

// count records one request of method.
func (s *Store) count(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
}

// Calls returns how many requests of method this store handled.
func (s *Store) Calls(method string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Read returns the key's entry: ok=false (and nothing else) when absent.
func (s *Store) Read(key string) *storagepb.ReadResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok {
		return &storagepb.ReadResponse{}
	}
	resp := &storagepb.ReadResponse{Ok: true, Value: e.value}
	if e.time != nil {
		resp.Time = proto.Clone(e.time).(*timestamppb.Timestamp)
	}
	return resp
}

// Write stores the request if the key is absent or the request's time is
// newer than the stored one, and reports whether it did.
func (s *Store) Write(req *storagepb.WriteRequest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.entries[req.GetKey()]
	if ok && !Newer(req.GetTime(), old.time) {
		return false
	}
	e := entry{value: req.GetValue()}
	if req.GetTime() != nil {
		e.time = proto.Clone(req.GetTime()).(*timestamppb.Timestamp)
	}
	s.entries[req.GetKey()] = e
	return true
}

// Newer reports whether a is later than b, by seconds then nanos; a nil time
// is the zero time.
func Newer(a, b *timestamppb.Timestamp) bool {
	if a.GetSeconds() != b.GetSeconds() {
		return a.GetSeconds() > b.GetSeconds()
	}
	return a.GetNanos() > b.GetNanos()
}
