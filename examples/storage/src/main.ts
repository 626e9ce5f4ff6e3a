// The storage example's program (what `pnpm storage` runs):
//
//   node dist/main.js                          4 local replicas in their own processes, then the REPL
//   node dist/main.js --connect a:1,b:2,…      the REPL against running replicas
//   node dist/main.js server --id … --addr …   one replica (see server-main.ts)
//
// The REPL reads commands from a terminal (prompt, history) or from a pipe:
//   printf 'qc write foo bar\nqc read foo\n' | node dist/main.js
import { parseArgs } from "node:util";
import { type Configuration, newConfig, withNodeList } from "@gorums/runtime";
import { type LocalCluster, startLocalCluster } from "./cluster.js";
import { StorageRepl, HELP, messageOf } from "./repl.js";
import { ReplLoop } from "./repl-loop.js";
import { waitForNodeState, watchNodeState } from "./node-state.js";
import { isHostPort, splitAddrs, UsageError } from "./parse.js";
import { runServer } from "./server-main.js";

const USAGE = `usage: node dist/main.js [--connect host:port,...] [--replicas n] [--verbose]
       node dist/main.js server --id <n> --addr <host:port> --peers <id=host:port,...>

Without --connect, starts local storage replicas (4 by default), each in its
own process on 127.0.0.1, and stops them on exit.

  --connect   use running storage servers at these addresses instead
  --replicas  how many local replicas to start (default 4)
  --verbose   local replicas print a line for every request they handle
  --help      print this text
  server      run one replica (node dist/main.js server --help)`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "server") {
    return runServer(argv.slice(1));
  }
  let opts: { connect: string[] | undefined; replicas: number; verbose: boolean };
  try {
    opts = parseMainArgs(argv);
  } catch (err) {
    if (err instanceof HelpRequested) {
      console.log(USAGE);
      return 0;
    }
    console.error(`storage: ${messageOf(err)}\n\n${USAGE}`);
    return 2;
  }

  const interactive = process.stdin.isTTY === true;
  let cluster: LocalCluster | undefined;
  let config: Configuration | undefined;
  // Replica output after start-up (their log lines with --verbose, errors): above the prompt once the REPL runs.
  let print = (line: string) => console.log(line);
  // Reports nodes that go down or come back (node-state.ts); stopped before the replicas are.
  const watching = new AbortController();
  const cleanup = async () => {
    watching.abort();
    await config?.close();
    await cluster?.stop();
  };
  // Ctrl-C or SIGTERM outside the prompt (while starting, or with piped input): stop the replicas and leave.
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    let addrs: readonly string[];
    if (opts.connect !== undefined) {
      addrs = opts.connect;
      console.log(`Using ${addrs.length} storage ${addrs.length === 1 ? "server" : "servers"}: ${addrs.join(", ")}`);
    } else {
      console.log(`Starting ${opts.replicas} storage replicas, each in its own process...`);
      cluster = await startLocalCluster(opts.replicas, {
        verbose: opts.verbose,
        onReady: (id, addr) => console.log(`  replica ${id} ready on ${addr}`),
        onOutput: (line) => print(line),
      });
      addrs = cluster.addrs;
      console.log(`All ${addrs.length} replicas are connected to each other.`);
    }
    // keepConnected: every node is dialed at once and again after a failure, so `nodes` and the
    // down/up lines follow the replicas even between commands.
    config = newConfig(withNodeList([...addrs]), { keepConnected: true });
    await waitForNodeState(config, 3000);
    const repl = new StorageRepl(config, { out: (text) => console.log(text) });
    console.log(interactive ? `\n${HELP}\n` : "Reading commands from standard input. Type 'help' to see the available commands.");
    const loop = new ReplLoop(repl, { input: process.stdin, output: process.stdout, interactive });
    print = (line) => loop.print(line);
    void watchNodeState(config, (line) => print(line), watching.signal).catch((err: unknown) => print(`Stopped watching the nodes: ${messageOf(err)}`));
    await loop.run();
    watching.abort();
    print = (line) => console.log(line);
    return 0;
  } catch (err) {
    console.error(`storage: ${messageOf(err)}`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (cluster !== undefined) {
      console.log("Stopping the local replicas.");
    }
    await cleanup();
  }
}

class HelpRequested extends Error {}

function parseMainArgs(argv: string[]): { connect: string[] | undefined; replicas: number; verbose: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      connect: { type: "string" },
      replicas: { type: "string" },
      verbose: { type: "boolean", short: "v", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    throw new HelpRequested();
  }
  if (positionals.length > 0) {
    throw new UsageError(`unknown argument '${positionals[0]}'`);
  }
  let connect: string[] | undefined;
  if (values.connect !== undefined) {
    connect = splitAddrs(values.connect);
    if (connect.length === 0) {
      throw new UsageError("--connect needs at least one address, like --connect 127.0.0.1:9081,127.0.0.1:9082");
    }
    const bad = connect.find((a) => !isHostPort(a));
    if (bad !== undefined) {
      throw new UsageError(`invalid address '${bad}' in --connect: use host:port, like 127.0.0.1:9081`);
    }
    if (values.replicas !== undefined) {
      throw new UsageError("--replicas starts local replicas; it cannot be used with --connect");
    }
  }
  const replicasText = values.replicas ?? "4";
  if (!/^\d+$/.test(replicasText) || Number(replicasText) < 1 || Number(replicasText) > 16) {
    throw new UsageError(`invalid --replicas '${replicasText}': use a number from 1 to 16`);
  }
  return { connect, replicas: Number(replicasText), verbose: values.verbose };
}

const code = await main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`storage: ${messageOf(err)}`);
  return 1;
});
// Everything is closed by now; exit without waiting for stray timers.
process.exit(code);
