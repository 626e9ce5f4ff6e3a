package driver

import (
	"encoding/json"
	"io"
	"log"
	"sync"
)

// Output writes JSON lines, one whole line per write, from any goroutine.
type Output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewOutput writes to w (stdout).
func NewOutput(w io.Writer) *Output {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &Output{enc: enc}
}

// Write writes v as one JSON line.
func (o *Output) Write(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.enc.Encode(v); err != nil {
		log.Printf("driver: cannot write %T: %v", v, err)
	}
}

// Listening writes {"event":"listening","addr":addr}.
func (o *Output) Listening(addr string) {
	o.Write(struct {
		Event string `json:"event"`
		Addr  string `json:"addr"`
	}{"listening", addr})
}

// Ready writes {"event":"ready"}.
func (o *Output) Ready() {
	o.Write(struct {
		Event string `json:"event"`
	}{"ready"})
}

// IDs writes {"event":event,"ids":[...]}, for "config" and "clients".
func (o *Output) IDs(event string, ids []uint32) {
	if ids == nil {
		ids = []uint32{}
	}
	o.Write(struct {
		Event string   `json:"event"`
		IDs   []uint32 `json:"ids"`
	}{event, ids})
}
