package main

import (
	"bufio"
	"encoding/json"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// command is one line of stdin (interop/src/protocol.ts).
type command struct {
	ID        json.RawMessage   `json:"id"`
	Op        string            `json:"op"`
	Node      uint32            `json:"node"`
	Key       string            `json:"key"`
	Value     string            `json:"value"`
	Ts        *int64            `json:"ts"`
	Quorum    json.RawMessage   `json:"quorum"`
	Level     int               `json:"level"`
	TimeoutMs *int64            `json:"timeoutMs"`
	Metadata  map[string]string `json:"metadata"`
	Method    string            `json:"method"`
}

// readCommands reads JSON-lines commands from in and hands each to handle,
// until EOF or a quit command (answered ok). A line that is not a command
// is answered with INVALID_ARGUMENT. It returns the reader's error, if any.
func readCommands(in io.Reader, out *output, handle func(*command)) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		c := new(command)
		if err := json.Unmarshal(sc.Bytes(), c); err != nil {
			out.write(failure(json.RawMessage("null"), status.Errorf(codes.InvalidArgument, "bad command: %v", err)))
			continue
		}
		if c.Op == "quit" {
			out.write(map[string]any{"id": c.ID, "ok": true})
			return nil
		}
		handle(c)
	}
	return sc.Err()
}
