import { parseArgs } from "node:util";
import { BOT_DESCRIPTIONS, BOT_KINDS, type BotKind, isBotKind } from "./bots.js";

/** A bad command line: the message is for the user, with no stack trace. */
export class UsageError extends Error {}

/** What `main.js` was asked to do. */
export type Command =
  | { kind: "help" }
  | { kind: "game"; seed: number; timeLimitMs: number }
  | {
      kind: "player";
      quizmaster: string;
      name: string;
      bot: BotKind;
      seed: number;
      leaveAfter?: number;
      leaveDuring?: number;
    };

export const DEFAULT_SEED = 7;
export const DEFAULT_TIME_LIMIT_MS = 2000;

export const USAGE = `Usage:
  node dist/main.js [--seed N] [--time-limit MS]
      Runs a whole game: a quizmaster and player bots, each player in a
      process of its own. Default seed ${DEFAULT_SEED}, time limit ${DEFAULT_TIME_LIMIT_MS} ms per question.
  node dist/main.js player --quizmaster HOST:PORT --name NAME [--bot KIND] [--seed N]
                           [--leave-after Q] [--leave-during Q]
      One player bot (the game starts these). Bots:
${BOT_KINDS.map((k) => `        ${k.padEnd(8)} ${BOT_DESCRIPTIONS[k]}`).join("\n")}
  node dist/main.js --help`;

/** Parses the arguments after `node main.js`. Throws UsageError on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    return { kind: "help" };
  }
  if (argv[0] === "player") {
    const { values } = parse(argv.slice(1), {
      quizmaster: { type: "string" },
      name: { type: "string" },
      bot: { type: "string" },
      seed: { type: "string" },
      "leave-after": { type: "string" },
      "leave-during": { type: "string" },
    });
    const quizmaster = values.quizmaster;
    if (quizmaster === undefined || !/^[^\s:]+:\d{1,5}$/.test(quizmaster)) {
      throw new UsageError("player: --quizmaster HOST:PORT is required (e.g. --quizmaster 127.0.0.1:9000)");
    }
    const name = values.name?.trim();
    if (name === undefined || name === "" || name.length > 20) {
      throw new UsageError("player: --name is required (1 to 20 characters)");
    }
    const bot = values.bot ?? "expert";
    if (!isBotKind(bot)) {
      throw new UsageError(`player: unknown bot "${bot}"; choose one of ${BOT_KINDS.join(", ")}`);
    }
    const cmd: Command = { kind: "player", quizmaster, name, bot, seed: integer(values.seed, "--seed", DEFAULT_SEED, 0) };
    if (values["leave-after"] !== undefined) {
      cmd.leaveAfter = integer(values["leave-after"], "--leave-after", 0, 1);
    }
    if (values["leave-during"] !== undefined) {
      cmd.leaveDuring = integer(values["leave-during"], "--leave-during", 0, 1);
    }
    return cmd;
  }
  const { values } = parse([...argv], { seed: { type: "string" }, "time-limit": { type: "string" } });
  return {
    kind: "game",
    seed: integer(values.seed, "--seed", DEFAULT_SEED, 0),
    timeLimitMs: integer(values["time-limit"], "--time-limit", DEFAULT_TIME_LIMIT_MS, 200),
  };
}

function parse<T extends Record<string, { type: "string" }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function integer(raw: string | undefined, flag: string, fallback: number, min: number): number {
  if (raw === undefined) {
    return fallback;
  }
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > 0xffffffff) {
    throw new UsageError(`${flag} wants a whole number of at least ${min}, not "${raw}"`);
  }
  return n;
}
