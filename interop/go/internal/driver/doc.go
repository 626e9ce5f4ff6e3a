// Package driver is the JSON-lines protocol by which the TypeScript interop
// tests steer the Go peer: events and replies are JSON lines on stdout,
// commands are JSON lines on stdin (see interop/go/README.md for the
// protocol).
package driver
