// The Paxos example: `node dist/main.js` runs N replicas and a client
// process, and shows that the replicas decide the same log; `node
// dist/main.js clients …` is the client process; `node dist/main.js
// replica …` is one replica in a process of its own; `node dist/main.js
// client …` is a key-value client of running replicas. See `--help`.
import { type Command, parseCommand, USAGE, UsageError } from "./cli.js";
import { runClients } from "./clients.js";
import { runKvClient } from "./kv-client.js";
import { runReplica } from "./replica-main.js";
import { runPaxos } from "./run.js";

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) {
    throw err;
  }
  console.error(`paxos: ${err.message}\nRun "node dist/main.js --help" for usage.`);
  process.exit(2);
}

switch (command.kind) {
  case "help":
    console.log(USAGE);
    break;
  case "run":
    await run(command);
    break;
  case "clients":
    await clients(command);
    break;
  case "replica":
    process.exit(await runReplica(command));
    break;
  case "client":
    // Started by a test with an IPC channel: leave with it.
    process.once("disconnect", () => process.exit(1));
    process.exit(await runKvClient(command));
}

/** The full run; exits 0 when the logs agree, 1 on an error, 130 on Ctrl-C. */
async function run(cmd: Extract<Command, { kind: "run" }>): Promise<never> {
  const interrupt = new AbortController();
  const stop = (why: string) => {
    console.log(`\npaxos: ${why}: stopping`);
    interrupt.abort(new Error(why));
  };
  process.once("SIGINT", () => stop("interrupted"));
  process.once("SIGTERM", () => stop("terminated"));
  // A run takes seconds; give up rather than hang if something is wrong.
  const guard = setTimeout(() => stop("no result after 60 s"), 60_000);
  try {
    await runPaxos({ ...cmd, log: (line) => console.log(line), signal: interrupt.signal });
    clearTimeout(guard);
    console.log("\ndone");
    process.exit(0);
  } catch (err) {
    clearTimeout(guard);
    if (interrupt.signal.aborted) {
      process.exit(130);
    }
    console.error(`paxos: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

/** The client process; exits 0 once every command is decided. */
async function clients(cmd: Extract<Command, { kind: "clients" }>): Promise<never> {
  // Started by a run: quit when the run's process goes away.
  process.once("disconnect", () => process.exit(1));
  try {
    await runClients({ ...cmd, log: (line) => console.log(line) });
    process.exit(0);
  } catch (err) {
    console.error(`paxos: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
