package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/anishathalye/porcupine"
)

func linearizable(t *testing.T, model string, lines string) bool {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := readHistories([]string{path}, model)
	if err != nil {
		t.Fatal(err)
	}
	return porcupine.CheckOperations(map[string]porcupine.Model{"register": registerModel, "kv": kvModel}[model], h.ops)
}

// unknownWriteThenRead: the write of "b" timed out; a read much later sees
// the value given (a late effect of the unknown write when it is "b").
func unknownWriteThenRead(value string) string {
	return `{"type":"invoke","id":"w1","process":1,"f":"write","value":"a","time":0}
{"type":"ok","id":"w1","process":1,"f":"write","time":5}
{"type":"invoke","id":"w2","process":1,"f":"write","value":"b","time":10}
{"type":"info","id":"w2","process":1,"f":"write","time":20}
{"type":"invoke","id":"r","process":2,"f":"read","time":100}
{"type":"ok","id":"r","process":2,"f":"read","value":"a","time":110}
{"type":"invoke","id":"r2","process":2,"f":"read","time":120}
{"type":"ok","id":"r2","process":2,"f":"read","value":"` + value + `","time":130}
`
}

// TestRegisterHistories checks histories the register model must accept and
// ones it must reject.
func TestRegisterHistories(t *testing.T) {
	cases := []struct {
		name         string
		history      string
		linearizable bool
	}{
		{
			// A read returns the old value after another read, which started later, saw the new one.
			name: "a new-old inversion is caught",
			history: `{"type":"invoke","id":"w","process":1,"f":"write","value":"a","time":0}
{"type":"invoke","id":"r1","process":2,"f":"read","time":10}
{"type":"ok","id":"r1","process":2,"f":"read","value":"a","time":20}
{"type":"invoke","id":"r2","process":3,"f":"read","time":30}
{"type":"ok","id":"r2","process":3,"f":"read","value":"","time":40}
`,
			linearizable: false,
		},
		{
			// r2 overlaps r1 and the write: it may still see "".
			name: "concurrent reads may differ",
			history: `{"type":"invoke","id":"w","process":1,"f":"write","value":"a","time":0}
{"type":"invoke","id":"r1","process":2,"f":"read","time":10}
{"type":"invoke","id":"r2","process":3,"f":"read","time":15}
{"type":"ok","id":"r1","process":2,"f":"read","value":"a","time":20}
{"type":"ok","id":"r2","process":3,"f":"read","value":"","time":40}
`,
			linearizable: true,
		},
		{name: "an unknown write may take effect late", history: unknownWriteThenRead("b"), linearizable: true},
		{name: "a read of a value never written is caught", history: unknownWriteThenRead("z"), linearizable: false},
		{
			name: "a failed write is dropped",
			history: `{"type":"invoke","id":"w","process":1,"f":"write","value":"a","time":0}
{"type":"fail","id":"w","process":1,"f":"write","time":5}
{"type":"invoke","id":"r","process":2,"f":"read","time":10}
{"type":"ok","id":"r","process":2,"f":"read","value":"a","time":20}
`,
			linearizable: false,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := linearizable(t, "register", c.history); got != c.linearizable {
				t.Fatalf("linearizable = %v, want %v", got, c.linearizable)
			}
		})
	}
}

// TestKVHistories checks key-value histories (puts and gets through a
// replicated log) the kv model must accept and ones it must reject.
func TestKVHistories(t *testing.T) {
	cases := []struct {
		name         string
		history      string
		linearizable bool
	}{
		{
			// Two keys, interleaved: each key on its own is a register; a put returns the previous value.
			name: "puts and gets of two keys",
			history: `{"type":"invoke","id":"a","process":1,"f":"put","key":"x","value":"1","time":0}
{"type":"invoke","id":"b","process":2,"f":"put","key":"y","value":"2","time":1}
{"type":"ok","id":"a","process":1,"f":"put","value":"","time":10}
{"type":"ok","id":"b","process":2,"f":"put","value":"","time":11}
{"type":"invoke","id":"c","process":1,"f":"put","key":"x","value":"3","time":20}
{"type":"ok","id":"c","process":1,"f":"put","value":"1","time":30}
{"type":"invoke","id":"d","process":2,"f":"get","key":"x","time":40}
{"type":"ok","id":"d","process":2,"f":"get","value":"3","time":50}
{"type":"invoke","id":"e","process":2,"f":"get","key":"y","time":60}
{"type":"ok","id":"e","process":2,"f":"get","value":"2","time":70}
`,
			linearizable: true,
		},
		{
			// A replica that forgot the log: a get after a completed put sees the key empty.
			name: "a get that misses a completed put is caught",
			history: `{"type":"invoke","id":"a","process":1,"f":"put","key":"x","value":"1","time":0}
{"type":"ok","id":"a","process":1,"f":"put","value":"","time":10}
{"type":"invoke","id":"b","process":2,"f":"get","key":"x","time":20}
{"type":"ok","id":"b","process":2,"f":"get","value":"","time":30}
`,
			linearizable: false,
		},
		{
			// Two puts of x that both report x empty before them: one must have seen the other.
			name: "two puts that both saw the key empty are caught",
			history: `{"type":"invoke","id":"a","process":1,"f":"put","key":"x","value":"1","time":0}
{"type":"ok","id":"a","process":1,"f":"put","value":"","time":10}
{"type":"invoke","id":"b","process":2,"f":"put","key":"x","value":"2","time":20}
{"type":"ok","id":"b","process":2,"f":"put","value":"","time":30}
`,
			linearizable: false,
		},
		{
			// A put of unknown outcome may take effect late, and other keys do not see it.
			name: "an unknown put may take effect late, on its key only",
			history: `{"type":"invoke","id":"a","process":1,"f":"put","key":"x","value":"1","time":0}
{"type":"info","id":"a","process":1,"f":"put","time":10}
{"type":"invoke","id":"b","process":2,"f":"get","key":"x","time":20}
{"type":"ok","id":"b","process":2,"f":"get","value":"","time":30}
{"type":"invoke","id":"c","process":2,"f":"get","key":"x","time":40}
{"type":"ok","id":"c","process":2,"f":"get","value":"1","time":50}
{"type":"invoke","id":"d","process":2,"f":"get","key":"y","time":60}
{"type":"ok","id":"d","process":2,"f":"get","value":"","time":70}
`,
			linearizable: true,
		},
		{
			name: "a get of a value put to another key is caught",
			history: `{"type":"invoke","id":"a","process":1,"f":"put","key":"x","value":"1","time":0}
{"type":"ok","id":"a","process":1,"f":"put","value":"","time":10}
{"type":"invoke","id":"b","process":2,"f":"get","key":"y","time":20}
{"type":"ok","id":"b","process":2,"f":"get","value":"1","time":30}
`,
			linearizable: false,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := linearizable(t, "kv", c.history); got != c.linearizable {
				t.Fatalf("linearizable = %v, want %v", got, c.linearizable)
			}
		})
	}
}

// TestModelsRejectEachOthersOperations: a history read with the wrong model is bad input, not a verdict.
func TestModelsRejectEachOthersOperations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.jsonl")
	put := `{"type":"invoke","id":"a","process":1,"f":"put","key":"x","value":"1","time":0}` + "\n"
	if err := os.WriteFile(path, []byte(put), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readHistories([]string{path}, "register"); err == nil {
		t.Fatal("the register model read a put")
	}
	if _, err := readHistories([]string{path}, "kv"); err != nil {
		t.Fatalf("the kv model: %v", err)
	}
	noKey := `{"type":"invoke","id":"a","process":1,"f":"get","time":0}` + "\n"
	if err := os.WriteFile(path, []byte(noKey), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readHistories([]string{path}, "kv"); err == nil {
		t.Fatal("the kv model read a get without a key")
	}
}
