package main

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// kvInput is one operation on the key-value store: a put of value to key, or a get of key.
type kvInput struct {
	put   bool
	key   string
	value string
}

// kvOutput is what an operation returned: a get's value, a put's previous
// value ("" for a key never put). known is false for a put whose outcome is
// unknown: it may have seen any previous value.
type kvOutput struct {
	known bool
	value string
}

// kvModel is a store of string keys and values, every key "" before its
// first put. The keys are independent, so the history is checked key by
// key (Porcupine's partition): the state of a partition is one key's value.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(kvInput).key
			if _, seen := byKey[k]; !seen {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		in, out := input.(kvInput), output.(kvOutput)
		seen := !out.known || out.value == state.(string)
		if in.put {
			return seen, in.value
		}
		return seen, state
	},
	Equal: func(a, b interface{}) bool { return a.(string) == b.(string) },
	DescribeOperation: func(input, output interface{}) string {
		in, out := input.(kvInput), output.(kvOutput)
		result := "?"
		if out.known {
			result = fmt.Sprintf("%q", out.value)
		}
		if in.put {
			return fmt.Sprintf("put(%q, %q) -> %s", in.key, in.value, result)
		}
		return fmt.Sprintf("get(%q) -> %s", in.key, result)
	},
	DescribeState: func(s interface{}) string { return fmt.Sprintf("%q", s.(string)) },
}
