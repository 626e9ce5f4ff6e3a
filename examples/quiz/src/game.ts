import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BotKind } from "./bots.js";
import { QUESTIONS } from "./questions.js";
import { Quizmaster } from "./quizmaster.js";

/** One player of the scripted game. */
export interface CastMember {
  readonly name: string;
  readonly bot: BotKind;
  /** Joins before this question (default 1: before the game starts). */
  readonly joinBefore?: number;
  /** Leaves once it has the scoreboard of this question. */
  readonly leaveAfter?: number;
  /** Leaves in the middle of this question. */
  readonly leaveDuring?: number;
}

/**
 * Who plays: four players start; bob leaves after question 2, erin joins
 * before question 3, dave walks out in the middle of question 4.
 */
export const CAST: readonly CastMember[] = [
  { name: "alice", bot: "expert" },
  { name: "bob", bot: "guesser", leaveAfter: 2 },
  { name: "carol", bot: "doubter" },
  { name: "dave", bot: "slow", leaveDuring: 4 },
  { name: "erin", bot: "doubter", joinBefore: 3 },
];

/** How a game runs. */
export interface GameOptions {
  readonly seed: number;
  readonly timeLimitMs: number;
  readonly log: (line: string) => void;
  /** Ends the game early (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/**
 * Runs the scripted game: a quizmaster in this process and every player bot
 * in a process of its own (`main.js player …`), dialing the quizmaster over
 * loopback. The script waits for each join and departure it causes before
 * the next question, so that the story prints in the same order every time;
 * the quizmaster itself just asks whoever is connected.
 */
export async function runGame(opts: GameOptions): Promise<void> {
  const { log, signal } = opts;
  const qm = await Quizmaster.start({ log });
  const players = new PlayerProcesses(qm.addr, opts.seed, log);
  try {
    log(`Quizmaster listening on ${qm.addr}: ${QUESTIONS.length} questions, ${opts.timeLimitMs} ms each, seed ${opts.seed}.`);
    log("Players are bots in processes of their own: each dials the quizmaster with a server of its own");
    log("and is asked on that very stream (it is a client peer in the quizmaster's clientConfig()).");
    for (let n = 1; n <= QUESTIONS.length; n++) {
      for (const m of CAST.filter((c) => c.leaveAfter === n - 1)) {
        await qm.until(() => !qm.isPlaying(m.name), `${m.name} to leave`, 10_000, signal);
      }
      for (const m of CAST.filter((c) => (c.joinBefore ?? 1) === n)) {
        const exited = players.start(m);
        const joined = qm.until(() => qm.isPlaying(m.name), `${m.name} to join`, 15_000, signal);
        const died = exited.then((why) => Promise.reject(new Error(`${m.name}'s process ${why} before joining`)));
        // Only the first to settle matters; the other must not become an unhandled rejection.
        joined.catch(() => {});
        died.catch(() => {});
        await Promise.race([joined, died]);
      }
      const result = await qm.askQuestion(n, QUESTIONS[n - 1] as (typeof QUESTIONS)[number], opts.timeLimitMs, signal);
      await qm.publishResults(result, n === QUESTIONS.length);
    }
    // Players leave once they have the final scoreboard.
    await qm.until(() => qm.players().size === 0, "the players to leave", 10_000, signal);
    await players.exited(5000);
    log("");
    log(`Game over: ${qm.winners()}.`);
  } finally {
    players.killAll();
    await qm.stop();
  }
}

/** The player processes of a game; killed when the game ends or this process exits. */
class PlayerProcesses {
  private readonly children = new Set<ChildProcess>();
  private readonly exits: Promise<string>[] = [];
  private readonly main = fileURLToPath(new URL("./main.js", import.meta.url));
  private readonly killOnExit = () => this.killAll();

  constructor(
    private readonly quizmaster: string,
    private readonly seed: number,
    private readonly log: (line: string) => void,
  ) {
    process.on("exit", this.killOnExit);
  }

  /** Starts a player; resolves (never rejects) with how its process ended. */
  start(m: CastMember): Promise<string> {
    const args = [this.main, "player", "--quizmaster", this.quizmaster, "--name", m.name, "--bot", m.bot, "--seed", String(this.seed)];
    if (m.leaveAfter !== undefined) {
      args.push("--leave-after", String(m.leaveAfter));
    }
    if (m.leaveDuring !== undefined) {
      args.push("--leave-during", String(m.leaveDuring));
    }
    // stdin ignored; stdout read line by line; stderr shown as it is; an IPC
    // channel only so that a player quits when this process dies.
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    this.children.add(child);
    const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
    lines.on("line", (line) => this.log(`    ${line}`));
    const exited = new Promise<string>((resolve) => {
      child.once("error", (err) => resolve(`could not start (${err.message})`));
      child.once("exit", (code, sig) => resolve(sig !== null ? `was killed by ${sig}` : `exited with code ${code}`));
    }).finally(() => this.children.delete(child));
    // The last lines of output may come after "exit": wait for the pipe too.
    const drained = Promise.all([exited, new Promise<void>((resolve) => lines.once("close", () => resolve()))]).then(([why]) => why);
    this.exits.push(drained);
    return drained;
  }

  /** Resolves once every player process has ended; rejects after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`player processes still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.exits), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the player processes still running. */
  killAll(): void {
    for (const child of this.children) {
      child.kill();
    }
    this.children.clear();
    process.off("exit", this.killOnExit);
  }
}
