// The quiz example: `node dist/main.js` runs a whole game (a quizmaster and
// player bots in processes of their own); `node dist/main.js player …` is one
// player bot. See `--help`.
import { parseCommand, USAGE, UsageError, type Command } from "./cli.js";
import { runGame } from "./game.js";
import { startPlayer } from "./player.js";

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) {
    throw err;
  }
  console.error(`quiz: ${err.message}\nRun "node dist/main.js --help" for usage.`);
  process.exit(2);
}

switch (command.kind) {
  case "help":
    console.log(USAGE);
    break;
  case "game":
    await game(command.seed, command.timeLimitMs);
    break;
  case "player":
    await player(command);
    break;
}

/** Runs a game; exits 0 when it completes, 1 on an error, 130 on Ctrl-C. */
async function game(seed: number, timeLimitMs: number): Promise<never> {
  const interrupt = new AbortController();
  const stop = (sig: string) => {
    console.log(`\nquiz: ${sig}: stopping the game`);
    interrupt.abort(new Error(sig));
  };
  process.once("SIGINT", () => stop("interrupted"));
  process.once("SIGTERM", () => stop("terminated"));
  try {
    await runGame({ seed, timeLimitMs, log: (line) => console.log(line), signal: interrupt.signal });
    process.exit(0);
  } catch (err) {
    if (interrupt.signal.aborted) {
      process.exit(130);
    }
    console.error(`quiz: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

/** Runs one player bot until it leaves; exits 1 if it cannot join. */
async function player(cmd: Extract<Command, { kind: "player" }>): Promise<never> {
  // Started by a game: quit when the game's process goes away.
  process.once("disconnect", () => process.exit(0));
  let handle;
  try {
    handle = await startPlayer({ ...cmd, log: (line) => console.log(line) });
  } catch (err) {
    console.error(`quiz: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const leave = () => void handle.leave().finally(() => process.exit(0));
  process.once("SIGINT", leave);
  process.once("SIGTERM", leave);
  await handle.gone;
  process.exit(0);
}
