package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gorums-go-peer")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "gorums-go-peer")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running gorums-go-peer.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex
	lines  []map[string]any
	more   chan struct{}
	exited chan error
	nextID int
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, stdin: stdin, more: make(chan struct{}, 1), exited: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Errorf("%s: stdout line is not JSON: %q", args[0], sc.Text())
				continue
			}
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	return p
}

// await returns the first line (from the start) that match accepts.
func (p *proc) await(what string, match func(map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if match(l) {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		select {
		case <-p.more:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			p.t.Fatalf("%s: no line for %s; lines: %v", p.cmd.Args[1], what, p.lines)
		}
	}
}

func (p *proc) event(name string) map[string]any {
	p.t.Helper()
	return p.await("event "+name, func(l map[string]any) bool { return l["event"] == name })
}

// idsEvent waits for an event whose ids are want.
func (p *proc) idsEvent(name string, want ...float64) {
	p.t.Helper()
	p.await(fmt.Sprintf("%s %v", name, want), func(l map[string]any) bool {
		if l["event"] != name {
			return false
		}
		var got []float64
		for _, v := range l["ids"].([]any) {
			got = append(got, v.(float64))
		}
		return slices.Equal(got, want)
	})
}

// do sends a command and returns its reply.
func (p *proc) do(cmd map[string]any) map[string]any {
	p.t.Helper()
	p.nextID++
	id := float64(p.nextID)
	cmd["id"] = id
	b, _ := json.Marshal(cmd)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatal(err)
	}
	return p.await(fmt.Sprintf("reply %v", cmd), func(l map[string]any) bool { return l["id"] == id })
}

func (p *proc) wait() error {
	p.t.Helper()
	select {
	case err := <-p.exited:
		return err
	case <-time.After(10 * time.Second):
		p.t.Fatal("process did not exit")
		return nil
	}
}

func listenAddr(l map[string]any) string { return l["addr"].(string) }

func reply(l map[string]any) map[string]any {
	r, _ := l["reply"].(map[string]any)
	return r
}

func mustOK(t *testing.T, l map[string]any) map[string]any {
	t.Helper()
	if l["ok"] != true {
		t.Fatalf("command failed: %v", l)
	}
	return l
}

func TestServerAndClient(t *testing.T) {
	var addrs []string
	for range 3 {
		srv := start(t, "server", "--addr", "127.0.0.1:0")
		addrs = append(addrs, listenAddr(srv.event("listening")))
		srv.idsEvent("config")
		srv.idsEvent("clients")
	}
	nodes := fmt.Sprintf("1=%s,2=%s,3=%s", addrs[0], addrs[1], addrs[2])
	c := start(t, "client", "--nodes", nodes, "--metadata", "x-dial=hello")
	c.event("ready")

	w := mustOK(t, c.do(map[string]any{"op": "writeQC", "key": "k", "value": "v", "ts": 7, "quorum": "all"}))
	if reply(w)["new"] != true {
		t.Errorf("writeQC %v", w)
	}
	r := mustOK(t, c.do(map[string]any{"op": "readQC", "key": "k"}))
	if got := reply(r); got["ok"] != true || got["value"] != "v" || got["ts"] != float64(7) {
		t.Errorf("readQC %v", r)
	}
	r = mustOK(t, c.do(map[string]any{"op": "readRPC", "node": 2, "key": "metadata:x-dial"}))
	if reply(r)["value"] != "hello" {
		t.Errorf("dial metadata %v", r)
	}
	r = mustOK(t, c.do(map[string]any{"op": "readRPC", "node": 2, "key": "metadata:x-call", "metadata": map[string]string{"x-call": "per-message"}}))
	if reply(r)["value"] != "per-message" {
		t.Errorf("per-message metadata %v", r)
	}
	r = mustOK(t, c.do(map[string]any{"op": "readCorrectable", "key": "k", "level": 5}))
	if r["level"] != float64(5) || reply(r)["value"] != "v" {
		t.Errorf("readCorrectable %v", r)
	}
	mustOK(t, c.do(map[string]any{"op": "writeMulticast", "key": "m", "value": "x"}))
	mustOK(t, c.do(map[string]any{"op": "writeUnicast", "node": 1, "key": "u", "value": "y"}))
	if ids := mustOK(t, c.do(map[string]any{"op": "config"}))["ids"]; fmt.Sprint(ids) != "[1 2 3]" {
		t.Errorf("config ids %v", ids)
	}

	f := c.do(map[string]any{"op": "readQC", "key": "error:8:full up", "quorum": 2})
	nes, _ := f["nodeErrors"].([]any)
	if f["ok"] != false || f["code"] != float64(2) || len(nes) != 3 ||
		!strings.Contains(f["error"].(string), "incomplete call") {
		t.Errorf("failed quorum call %v", f)
	} else if ne := nes[0].(map[string]any); ne["code"] != float64(8) || ne["message"] != "full up" {
		t.Errorf("node error %v", ne)
	}
	f = c.do(map[string]any{"op": "call", "node": 1, "method": "proto.Storage.Nope", "key": "k"})
	if f["code"] != float64(12) || f["message"] != "no handler registered for method proto.Storage.Nope" {
		t.Errorf("unknown method %v", f)
	}
	f = c.do(map[string]any{"op": "readRPC", "node": 1, "key": "sleep:1000", "timeoutMs": 50})
	if f["code"] != float64(4) {
		t.Errorf("deadline %v", f)
	}
	f = c.do(map[string]any{"op": "readNestedQC", "key": "k"})
	if ne := f["nodeErrors"].([]any)[0].(map[string]any); ne["code"] != float64(9) || ne["message"] != "no peers" {
		t.Errorf("nested without peers %v", f)
	}

	mustOK(t, c.do(map[string]any{"op": "quit"}))
	if err := c.wait(); err != nil {
		t.Errorf("client exit: %v", err)
	}
}

func TestServerTracksPeersAndClientPeers(t *testing.T) {
	srv := start(t, "server", "--addr", "127.0.0.1:0", "--id", "1", "--peers", "1=127.0.0.1:1,2=127.0.0.1:2")
	addr := listenAddr(srv.event("listening"))
	srv.idsEvent("config", 1)

	peer := start(t, "client", "--nodes", "1="+addr, "--node-id-header", "2")
	peer.event("ready")
	srv.idsEvent("config", 1, 2)

	cp := start(t, "client", "--nodes", "1="+addr, "--serve")
	cp.event("ready")
	srv.idsEvent("clients", 1<<20)
	r := mustOK(t, cp.do(map[string]any{"op": "readRPC", "node": 1, "key": "peer"}))
	if reply(r)["value"] != "1048576" {
		t.Errorf("client peer's ID at the server %v", r)
	}
	// The server calls the client peer back over ClientConfig; the client
	// peer knows the server as node 1.
	r = mustOK(t, srv.do(map[string]any{"op": "readQC", "target": "clients", "key": "peer", "quorum": "all"}))
	if reply(r)["value"] != "1" {
		t.Errorf("server → client peer %v", r)
	}
	if ids := mustOK(t, srv.do(map[string]any{"op": "config", "target": "clients"}))["ids"]; fmt.Sprint(ids) != "[1.048576e+06]" {
		t.Errorf("clients ids %v", ids)
	}

	_ = cp.stdin.Close() // EOF stops it
	if err := cp.wait(); err != nil {
		t.Errorf("client peer exit: %v", err)
	}
	srv.idsEvent("clients")
	_ = peer.cmd.Process.Signal(syscall.SIGTERM)
	if err := peer.wait(); err != nil {
		t.Errorf("peer exit on SIGTERM: %v", err)
	}
	srv.idsEvent("config", 1)
}

func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return addrs
}

func TestSystemMesh(t *testing.T) {
	addrs := freeAddrs(t, 3)
	peers := fmt.Sprintf("1=%s,2=%s,3=%s", addrs[0], addrs[1], addrs[2])
	var replicas []*proc
	for i := range 3 {
		p := start(t, "system", "--id", fmt.Sprint(i+1), "--peers", peers)
		if got := listenAddr(p.event("listening")); got != addrs[i] {
			t.Fatalf("replica %d listens on %s, want %s", i+1, got, addrs[i])
		}
		replicas = append(replicas, p)
	}
	for _, p := range replicas {
		p.idsEvent("config", 1, 2, 3)
	}
	w := mustOK(t, replicas[0].do(map[string]any{"op": "writeNestedMulticast", "target": "outbound", "key": "k", "value": "v", "ts": 1, "quorum": "first"}))
	if reply(w)["new"] != true {
		t.Errorf("writeNestedMulticast %v", w)
	}
	time.Sleep(100 * time.Millisecond)
	r := mustOK(t, replicas[1].do(map[string]any{"op": "readQC", "target": "config", "key": "k", "quorum": "all"}))
	if reply(r)["value"] != "v" {
		t.Errorf("readQC over Config %v", r)
	}
	r = mustOK(t, replicas[2].do(map[string]any{"op": "readNestedQC", "key": "k", "quorum": "all"}))
	if reply(r)["value"] != "v" {
		t.Errorf("readNestedQC %v", r)
	}
	for _, p := range replicas {
		_ = p.stdin.Close()
		if err := p.wait(); err != nil {
			t.Errorf("replica exit: %v", err)
		}
	}
}
