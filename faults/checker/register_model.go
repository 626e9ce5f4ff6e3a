package main

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// registerInput is one operation on the register: a write of value, or a read.
type registerInput struct {
	write bool
	value string
}

// registerModel is a single read/write register holding a string, "" before
// any write. A read's output is the string it returned; a write's is ignored.
var registerModel = porcupine.Model{
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		in := input.(registerInput)
		if in.write {
			return true, in.value
		}
		return output.(string) == state.(string), state
	},
	Equal: func(a, b interface{}) bool { return a.(string) == b.(string) },
	DescribeOperation: func(input, output interface{}) string {
		in := input.(registerInput)
		if in.write {
			return fmt.Sprintf("write(%q)", in.value)
		}
		return fmt.Sprintf("read() -> %q", output.(string))
	},
	DescribeState: func(s interface{}) string { return fmt.Sprintf("%q", s.(string)) },
}
