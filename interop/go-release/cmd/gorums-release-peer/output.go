package main

import (
	"encoding/json"
	"io"
	"log"
	"sync"
)

// output writes the peer's JSON lines, one at a time.
type output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newOutput(w io.Writer) *output {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &output{enc: enc}
}

func (o *output) write(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.enc.Encode(v); err != nil {
		log.Printf("cannot write %T: %v", v, err)
	}
}

// event writes an unsolicited line: {"event": name, ...fields}.
func (o *output) event(name string, fields map[string]any) {
	line := map[string]any{"event": name}
	for k, v := range fields {
		line[k] = v
	}
	o.write(line)
}
