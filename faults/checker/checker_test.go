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

// A read that returns the old value after another read, which started later, saw the new one.
const newOldInversion = `{"type":"invoke","id":"w","process":1,"f":"write","value":"a","time":0}
{"type":"invoke","id":"r1","process":2,"f":"read","time":10}
{"type":"ok","id":"r1","process":2,"f":"read","value":"a","time":20}
{"type":"invoke","id":"r2","process":3,"f":"read","time":30}
{"type":"ok","id":"r2","process":3,"f":"read","value":"","time":40}
`

func TestNewOldInversionIsCaught(t *testing.T) {
	if linearizable(t, newOldInversion) {
		t.Fatal("a new-old inversion passed")
	}
}

func TestConcurrentReadsMayDiffer(t *testing.T) {
	// r2 overlaps r1 and the write: it may still see "".
	h := `{"type":"invoke","id":"w","process":1,"f":"write","value":"a","time":0}
{"type":"invoke","id":"r1","process":2,"f":"read","time":10}
{"type":"invoke","id":"r2","process":3,"f":"read","time":15}
{"type":"ok","id":"r1","process":2,"f":"read","value":"a","time":20}
{"type":"ok","id":"r2","process":3,"f":"read","value":"","time":40}
`
	if !linearizable(t, h) {
		t.Fatal("a linearizable history failed")
	}
}

func TestUnknownWriteMayTakeEffectLate(t *testing.T) {
	// The write of "b" timed out; a read much later sees it.
	h := `{"type":"invoke","id":"w1","process":1,"f":"write","value":"a","time":0}
{"type":"ok","id":"w1","process":1,"f":"write","time":5}
{"type":"invoke","id":"w2","process":1,"f":"write","value":"b","time":10}
{"type":"info","id":"w2","process":1,"f":"write","time":20}
{"type":"invoke","id":"r","process":2,"f":"read","time":100}
{"type":"ok","id":"r","process":2,"f":"read","value":"a","time":110}
{"type":"invoke","id":"r2","process":2,"f":"read","time":120}
{"type":"ok","id":"r2","process":2,"f":"read","value":"b","time":130}
`
	if !linearizable(t, h) {
		t.Fatal("a late effect of an unknown write failed")
	}
	// ...but not a read of a value never written.
	if linearizable(t, h[:len(h)-len(`"value":"b","time":130}`+"\n")]+`"value":"z","time":130}`+"\n") {
		t.Fatal("a read of a value never written passed")
	}
}

func TestFailedWriteIsDropped(t *testing.T) {
	h := `{"type":"invoke","id":"w","process":1,"f":"write","value":"a","time":0}
{"type":"fail","id":"w","process":1,"f":"write","time":5}
{"type":"invoke","id":"r","process":2,"f":"read","time":10}
{"type":"ok","id":"r","process":2,"f":"read","value":"a","time":20}
`
	if linearizable(t, h) {
		t.Fatal("a read of a failed write passed")
	}
}
