package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorums-ts.dev/interop/internal/gorums"
)

// parseNodes reads "1=host:port,2=host:port" into node addresses sorted by
// ID (Go Gorums' WithNodes sorts its map the same way).
func parseNodes(s string) ([]gorums.NodeAddr, error) {
	var nodes []gorums.NodeAddr
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		idText, addr, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("node %q: want ID=host:port", item)
		}
		id, err := strconv.ParseUint(idText, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("node %q: bad ID: %w", item, err)
		}
		nodes = append(nodes, gorums.NodeAddr{ID: uint32(id), Addr: addr})
	}
	slices.SortFunc(nodes, func(a, b gorums.NodeAddr) int { return cmp.Compare(a.ID, b.ID) })
	return nodes, nil
}

// pairs is a repeatable k=v flag.
type pairs []string

// String joins the pairs (flag.Value).
func (p *pairs) String() string { return strings.Join(*p, ",") }

// Set adds one key=value pair (flag.Value).
func (p *pairs) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q: want key=value", v)
	}
	*p = append(*p, v)
	return nil
}

// kv turns the pairs into metadata key/value arguments.
func (p pairs) kv() []string {
	var kv []string
	for _, item := range p {
		k, v, _ := strings.Cut(item, "=")
		kv = append(kv, k, v)
	}
	return kv
}
