import { QUESTIONS } from "./questions.js";

/** The personalities of the player bots. */
export const BOT_KINDS = ["expert", "guesser", "doubter", "slow"] as const;
export type BotKind = (typeof BOT_KINDS)[number];

/** What each kind does, for help texts. */
export const BOT_DESCRIPTIONS: Record<BotKind, string> = {
  expert: "knows 90% of the answers and answers at once",
  guesser: "picks a choice at random",
  doubter: "answers at random, then changes its mind (often to the right answer)",
  slow: "knows 80% of the answers, but 4 times in 10 answers after the time limit",
};

/** One answer a bot will send, `atMs` after it got the question. */
export interface PlannedAnswer {
  readonly atMs: number;
  readonly choice: number;
}

/** What a bot is asked: the question as the Ask request carries it. */
export interface AskedQuestion {
  readonly number: number;
  readonly text: string;
  readonly choices: readonly string[];
  readonly timeLimitMs: number;
}

/**
 * The answers a bot sends to a question, in order. Deterministic: the same
 * seed, name and question number give the same plan, whichever questions the
 * bot saw before (a late joiner behaves as it would have anyway). Times are
 * fractions of the question's time limit, so the plan scales with it: every
 * answer is sent well before the limit (at most half of it), except the slow
 * bot's late answers (1.5 times the limit), which the quizmaster never sees.
 */
export function planAnswers(kind: BotKind, seed: number, name: string, q: AskedQuestion): PlannedAnswer[] {
  const rng = seededRandom(hash(`${seed}/${name}/${q.number}`));
  const n = Math.max(q.choices.length, 1);
  const known = QUESTIONS.find((k) => k.text === q.text)?.correct;
  const at = (fraction: number) => Math.round(q.timeLimitMs * fraction);
  const randomChoice = () => Math.floor(rng() * n);
  // The right choice with probability p (if the bot knows it), else a wrong one.
  const recall = (p: number) => {
    if (known !== undefined && rng() < p) {
      return known;
    }
    const pick = randomChoice();
    return pick === known && n > 1 ? (pick + 1 + Math.floor(rng() * (n - 1))) % n : pick;
  };
  switch (kind) {
    case "expert":
      return [{ atMs: at(0.05), choice: recall(0.9) }];
    case "guesser":
      return [{ atMs: at(0.12), choice: randomChoice() }];
    case "doubter": {
      const first = randomChoice();
      let second = recall(0.6);
      if (second === first && n > 1) {
        second = (first + 1 + Math.floor(rng() * (n - 1))) % n;
      }
      return [
        { atMs: at(0.08), choice: first },
        { atMs: at(0.35), choice: second },
      ];
    }
    case "slow": {
      const choice = recall(0.8);
      return [{ atMs: rng() < 0.4 ? at(1.5) : at(0.5), choice }];
    }
  }
}

/** Whether `s` names a bot kind. */
export function isBotKind(s: string): s is BotKind {
  return (BOT_KINDS as readonly string[]).includes(s);
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, as a 32-bit seed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
