// The register example: `node dist/main.js replica …` is one replica in a
// process of its own; `node dist/main.js client …` runs operations on the
// replicas with the ABD algorithm. See `--help`.
import { type Command, parseCommand, USAGE, UsageError } from "./cli.js";
import { runClient } from "./client-main.js";
import { runReplica } from "./replica-main.js";

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) {
    throw err;
  }
  console.error(`register: ${err.message}\nRun "node dist/main.js --help" for usage.`);
  process.exit(2);
}

switch (command.kind) {
  case "help":
    console.log(USAGE);
    break;
  case "replica":
    process.exit(await runReplica(command));
    break;
  case "client":
    // Started by a test with an IPC channel: quit when it goes away.
    process.once("disconnect", () => process.exit(1));
    process.exit(await runClient(command));
}
