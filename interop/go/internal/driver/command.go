package driver

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// defaultTimeout is a command's deadline when it has no timeoutMs.
const defaultTimeout = 5 * time.Second

// command is one JSON line read from stdin.
type command struct {
	ID        json.RawMessage   `json:"id"`
	Op        string            `json:"op"`
	Node      uint32            `json:"node"`
	Target    string            `json:"target"`
	Key       string            `json:"key"`
	Value     string            `json:"value"`
	Ts        *int64            `json:"ts"`
	Quorum    json.RawMessage   `json:"quorum"`
	Level     int               `json:"level"`
	TimeoutMs *int64            `json:"timeoutMs"`
	Metadata  map[string]string `json:"metadata"`
	Method    string            `json:"method"`
}

// timeout is the command's deadline from now.
func (c *command) timeout() time.Duration {
	if c.TimeoutMs == nil {
		return defaultTimeout
	}
	return time.Duration(*c.TimeoutMs) * time.Millisecond
}

// threshold turns the quorum field into a number of successes for a
// configuration of size n: "first" 1, "majority" (the default) ⌊n/2⌋+1,
// "all" n, or an integer.
func (c *command) threshold(n int) (int, error) {
	if len(c.Quorum) == 0 || string(c.Quorum) == "null" {
		return n/2 + 1, nil
	}
	var name string
	if err := json.Unmarshal(c.Quorum, &name); err == nil {
		switch name {
		case "first":
			return 1, nil
		case "majority":
			return n/2 + 1, nil
		case "all":
			return n, nil
		}
		if t, err := strconv.Atoi(name); err == nil {
			return t, nil
		}
		return 0, fmt.Errorf("unknown quorum %q", name)
	}
	var t int
	if err := json.Unmarshal(c.Quorum, &t); err != nil {
		return 0, fmt.Errorf("quorum must be \"first\", \"majority\", \"all\" or an integer, not %s", c.Quorum)
	}
	return t, nil
}

// idOrNull echoes the command's id, null if it had none.
func (c *command) idOrNull() json.RawMessage {
	if len(c.ID) == 0 {
		return json.RawMessage("null")
	}
	return c.ID
}
