package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/anishathalye/porcupine"
)

func linearizable(t *testing.T, lines string) bool {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := readHistories([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	return porcupine.CheckOperations(registerModel, h.ops)
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
			if got := linearizable(t, c.history); got != c.linearizable {
				t.Fatalf("linearizable = %v, want %v", got, c.linearizable)
			}
		})
	}
}
