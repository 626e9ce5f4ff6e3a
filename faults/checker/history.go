package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/anishathalye/porcupine"
)

// event is one JSON line of a history. An invocation:
//
//	{"type":"invoke","id":"c1-7","process":1,"f":"write","value":"c1-7","time":123}
//
// and its completion, with the same id: "ok" (a read's value is what it
// returned), "fail" (the operation surely took no effect: dropped), or
// "info" (unknown: a write that timed out may take effect at any later time;
// a read that timed out returned nothing and is dropped). An invocation with
// no completion is an "info". time is in nanoseconds on a clock common to
// every process of the run (CLOCK_MONOTONIC).
//
// The register's operations are "read" and "write"; the key-value store's
// (the kv model) are "put" and "get", each with a "key" on its invocation:
//
//	{"type":"invoke","id":"p2-3","process":2,"f":"put","key":"x","value":"p2-3","time":123}
//	{"type":"ok","id":"p2-3","process":2,"f":"put","value":"p1-9","time":456}
//
// A put's "ok" value is the key's previous value ("" if none; a put
// completed without one may have seen any), a get's is the value it read.
type event struct {
	Type    string  `json:"type"`
	ID      string  `json:"id"`
	Process int     `json:"process"`
	F       string  `json:"f"`
	Key     *string `json:"key"`
	Value   *string `json:"value"`
	Time    int64   `json:"time"`
}

type history struct {
	ops                                        []porcupine.Operation
	writes, unknownWrites, reads, droppedReads int
}

// operations names the f of each model's writes and reads.
var operations = map[string]struct{ write, read string }{
	"register": {write: "write", read: "read"},
	"kv":       {write: "put", read: "get"},
}

// readHistories reads the histories of the model named (a key of operations).
func readHistories(paths []string, model string) (*history, error) {
	names, known := operations[model]
	if !known {
		return nil, fmt.Errorf("unknown model %q", model)
	}
	invokes := map[string]event{}
	var order []string
	done := map[string]event{}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			if len(sc.Bytes()) == 0 {
				continue
			}
			var e event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %v", path, line, err)
			}
			switch e.Type {
			case "invoke":
				if e.F != names.read && e.F != names.write {
					f.Close()
					return nil, fmt.Errorf("%s:%d: f %q is not an operation of the %s model (%s or %s)", path, line, e.F, model, names.read, names.write)
				}
				if e.F == names.write && e.Value == nil {
					f.Close()
					return nil, fmt.Errorf("%s:%d: a %s without a value", path, line, e.F)
				}
				if model == "kv" && e.Key == nil {
					f.Close()
					return nil, fmt.Errorf("%s:%d: a %s without a key", path, line, e.F)
				}
				if _, dup := invokes[e.ID]; dup {
					f.Close()
					return nil, fmt.Errorf("%s:%d: id %q invoked twice", path, line, e.ID)
				}
				invokes[e.ID] = e
				order = append(order, e.ID)
			case "ok", "fail", "info":
				done[e.ID] = e
			default:
				f.Close()
				return nil, fmt.Errorf("%s:%d: unknown type %q", path, line, e.Type)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
	}
	for id := range done {
		if _, ok := invokes[id]; !ok {
			return nil, fmt.Errorf("completion of %q without an invocation", id)
		}
	}
	h := &history{}
	// Porcupine numbers clients from 0 for its visualization.
	procs := map[int]int{}
	var procIDs []int
	for _, id := range order {
		p := invokes[id].Process
		if _, ok := procs[p]; !ok {
			procs[p] = 0
			procIDs = append(procIDs, p)
		}
	}
	sort.Ints(procIDs)
	for i, p := range procIDs {
		procs[p] = i
	}
	for _, id := range order {
		inv := invokes[id]
		end, completed := done[id]
		status := "info"
		if completed {
			status = end.Type
		}
		if completed && end.Time < inv.Time {
			return nil, fmt.Errorf("%q completes before it is invoked", id)
		}
		op := porcupine.Operation{ClientId: procs[inv.Process], Call: inv.Time}
		if inv.F == names.write {
			if status == "fail" {
				continue
			}
			h.writes++
			if model == "kv" {
				op.Input = kvInput{put: true, key: *inv.Key, value: *inv.Value}
				op.Output = kvOutput{}
				if status == "ok" && end.Value != nil {
					op.Output = kvOutput{known: true, value: *end.Value}
				}
			} else {
				op.Input = registerInput{write: true, value: *inv.Value}
				op.Output = ""
			}
			if status == "ok" {
				op.Return = end.Time
			} else {
				// It may take effect at any time from its invocation on.
				h.unknownWrites++
				op.Return = math.MaxInt64
			}
		} else {
			if status != "ok" || end.Value == nil {
				h.droppedReads++
				continue
			}
			h.reads++
			if model == "kv" {
				op.Input = kvInput{key: *inv.Key}
				op.Output = kvOutput{known: true, value: *end.Value}
			} else {
				op.Input = registerInput{}
				op.Output = *end.Value
			}
			op.Return = end.Time
		}
		h.ops = append(h.ops, op)
	}
	return h, nil
}
