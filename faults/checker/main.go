// Command checker reads a history of operations (JSON lines, one per
// invocation and one per completion, as the clients of examples/register and
// examples/paxos write them) and checks it for linearizability with
// Porcupine against the model of -model: "register", a single read/write
// register (examples/register), or "kv", a key-value store of puts and gets
// checked key by key (examples/paxos's log). It exits 0 if the history is linearizable, 1 if it is
// not (writing Porcupine's HTML visualization to -html), 2 on bad input or if
// the check timed out.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

func main() {
	htmlPath := flag.String("html", "", "where to write the visualization of a non-linearizable history")
	modelName := flag.String("model", "register", `the model: "register" (read, write) or "kv" (put, get)`)
	timeout := flag.Duration("timeout", 60*time.Second, "give up on the check after this long (exit 2)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: checker [-model register|kv] [-html FILE] [-timeout D] HISTORY.jsonl...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	models := map[string]porcupine.Model{"register": registerModel, "kv": kvModel}
	model, known := models[*modelName]
	if !known {
		fmt.Fprintf(os.Stderr, "checker: unknown -model %q: register or kv\n", *modelName)
		os.Exit(2)
	}
	h, err := readHistories(flag.Args(), *modelName)
	if err != nil {
		fmt.Fprintf(os.Stderr, "checker: %v\n", err)
		os.Exit(2)
	}
	result, info := porcupine.CheckOperationsVerbose(model, h.ops, *timeout)
	names := operations[*modelName]
	fmt.Printf("checker: %d operations (%d %ss, %d of them of unknown outcome; %d %ss; %d failed %ss dropped)\n",
		len(h.ops), h.writes, names.write, h.unknownWrites, h.reads, names.read, h.droppedReads, names.read)
	switch result {
	case porcupine.Ok:
		fmt.Println("checker: linearizable")
	case porcupine.Illegal:
		fmt.Println("checker: NOT linearizable")
		if *htmlPath != "" {
			if err := porcupine.VisualizePath(model, info, *htmlPath); err != nil {
				fmt.Fprintf(os.Stderr, "checker: visualization: %v\n", err)
			} else {
				fmt.Printf("checker: visualization in %s\n", *htmlPath)
			}
		}
		os.Exit(1)
	default:
		fmt.Println("checker: unknown (the check timed out)")
		os.Exit(2)
	}
}
