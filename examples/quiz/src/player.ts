import { type Configuration, newConfig, Server, withNodeList } from "@gorums/runtime";
import { type BotKind, planAnswers } from "./bots.js";
import type { Scoreboard } from "./gen/quiz/quiz_pb.js";
import { join, registerPlayerServer } from "./gen/quiz/quiz_gorums.js";
import { ordinal, placeOf, points } from "./scoreboard.js";

/** Who a player is and how it behaves. */
export interface PlayerOptions {
  /** The quizmaster's "host:port". */
  quizmaster: string;
  name: string;
  bot: BotKind;
  /** Seeds the bot's choices (with its name and the question number). */
  seed: number;
  /** Leave once the scoreboard of this question arrives. */
  leaveAfter?: number;
  /** Leave in the middle of this question, without answering it. */
  leaveDuring?: number;
  /** Where the player's own story goes (default: nowhere). */
  log?: (line: string) => void;
  /** How long to wait for the Join reply (default 10 s). */
  joinTimeoutMs?: number;
}

/** Why a player is gone. */
export type Departure = "final" | "left after a question" | "left during a question" | "left";

/** A player in the game. */
export interface PlayerHandle {
  readonly name: string;
  /** The player's ID at the quizmaster. */
  readonly id: number;
  /** The scoreboards received so far (one multicast per question). */
  readonly scoreboards: readonly Scoreboard[];
  /** Resolves when the player has left: after the final scoreboard, or as its options say, or on `leave()`. */
  readonly gone: Promise<Departure>;
  /** Leaves now: closes the configuration (so the quizmaster's clientConfig() drops it) and the player's server. */
  leave(): Promise<void>;
}

/**
 * Starts a player bot: a Server that serves the Player service, and a
 * configuration of one node, the quizmaster, dialed with that server
 * (`newConfig(…, { server })`). The quizmaster's questions and scoreboards
 * come back on the stream this player opened: it is a client peer, listed in
 * the quizmaster's clientConfig() while that stream is up. Resolves once the
 * quizmaster accepted the player's name; rejects with the quizmaster's reason
 * if it refused it.
 */
export async function startPlayer(opts: PlayerOptions): Promise<PlayerHandle> {
  const log = opts.log ?? (() => {});
  const { name } = opts;
  const server = new Server();
  const scoreboards: Scoreboard[] = [];
  let id = 0;
  let config: Configuration | undefined;
  let resolveGone: (why: Departure) => void = () => {};
  const gone = new Promise<Departure>((resolve) => (resolveGone = resolve));
  let leaving: Promise<void> | undefined;
  const leave = (why: Departure): Promise<void> => {
    leaving ??= (async () => {
      await config?.close();
      await server.stop();
      resolveGone(why);
    })();
    return leaving;
  };

  registerPlayerServer(server, {
    async ask(ctx, q, send) {
      // Let the next request on this stream (a scoreboard, the next question) in while this one takes its time.
      ctx.release();
      if (opts.leaveDuring === q.number) {
        if (await sleep(Math.round(q.timeLimitMs * 0.15), ctx.signal)) {
          log(`${name}: leaving in the middle of question ${q.number}`);
          await leave("left during a question");
        }
        return;
      }
      const start = Date.now();
      for (const planned of planAnswers(opts.bot, opts.seed, name, q)) {
        if (!(await sleep(start + planned.atMs - Date.now(), ctx.signal))) {
          return; // the quizmaster went away, or this player left
        }
        try {
          await send({ question: q.number, choice: planned.choice });
        } catch {
          return; // the stream is gone
        }
      }
    },
    results(_ctx, board) {
      scoreboards.push(board);
      if (board.final) {
        const place = placeOf(board.scores, id);
        const me = board.scores.find((s) => s.playerId === id);
        log(`${name}: final scoreboard received: ${ordinal(place)} of ${board.scores.length} with ${points(me?.points ?? 0)}. Bye!`);
        void leave("final");
      } else if (opts.leaveAfter === board.question) {
        log(`${name}: leaving after question ${board.question}`);
        void leave("left after a question");
      }
    },
  });

  config = newConfig(withNodeList([opts.quizmaster]), { server });
  const quizmaster = config.nodes()[0];
  if (quizmaster === undefined) {
    throw new Error("no quizmaster node");
  }
  try {
    const reply = await join(quizmaster.context({ timeoutMs: opts.joinTimeoutMs ?? 10_000 }), { name });
    id = reply.playerId;
  } catch (err) {
    await leave("left");
    throw new Error(`${name} could not join the quiz at ${opts.quizmaster}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    name,
    get id() {
      return id;
    },
    scoreboards,
    gone,
    leave: () => leave("left"),
  };
}

/** Waits `ms` (at once if ≤ 0); false if `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
