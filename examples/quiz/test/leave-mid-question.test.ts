/**
 * Players leaving in the middle of a question (in-process, real loopback
 * streams: a Quizmaster and players each with a Server and a configuration
 * of their own). The leaver's stream goes down while the streaming quorum
 * call is open: it is reported as dropped and not scored — also when it had
 * already answered — the others are scored from their last answer before
 * the time limit, the scoreboard multicast reaches them, and the next
 * question goes to whoever is still connected.
 */
import { describe, expect, it } from "vitest";
import { type BotKind, planAnswers } from "../src/bots.js";
import type { PlayerHandle, PlayerOptions } from "../src/player.js";
import { QUESTIONS, type QuizQuestion } from "../src/questions.js";
import type { Quizmaster } from "../src/quizmaster.js";
import { testPlayer, testQuizmaster } from "./fixtures.js";

const SEED = 7;
const LIMIT_MS = 1500;

/** What a bot's final answer to a question is (its last planned answer before the limit), as planAnswers decides it. */
function expectedChoice(bot: BotKind, name: string, number: number, q: QuizQuestion): number | undefined {
  const plan = planAnswers(bot, SEED, name, { number, text: q.text, choices: q.choices, timeLimitMs: LIMIT_MS });
  return plan.filter((p) => p.atMs < LIMIT_MS).at(-1)?.choice;
}

describe("a player leaving mid-question", () => {
  /** What the current test's quizmaster logged. */
  const lines: string[] = [];

  /** A quizmaster and the players of `cast`, joined; all gone when the test ends. */
  async function setup(cast: Array<Omit<PlayerOptions, "quizmaster" | "seed">>): Promise<{ qm: Quizmaster; handles: PlayerHandle[] }> {
    lines.length = 0;
    const master = await testQuizmaster({ log: (l) => lines.push(l) });
    const handles: PlayerHandle[] = [];
    for (const c of cast) {
      handles.push(await testPlayer({ ...c, quizmaster: master.addr, seed: SEED }));
    }
    await master.until(() => master.players().size === cast.length, "every player", 5000);
    return { qm: master, handles };
  }

  /** Polls `cond` until it holds (real streams: no fixed sleeps). */
  async function eventually(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!cond()) {
      if (Date.now() > deadline) {
        throw new Error(`gave up waiting for ${what}; the quizmaster said:\n${lines.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it("does not break the question: the others are scored and get the scoreboard; the next question goes to those left", async () => {
    const q1 = QUESTIONS[0] as QuizQuestion;
    const q2 = QUESTIONS[1] as QuizQuestion;
    const { qm, handles } = await setup([
      { name: "alice", bot: "expert" },
      { name: "carol", bot: "doubter" },
      { name: "quitter", bot: "expert", leaveDuring: 1 },
    ]);
    const [alice, carol, quitter] = handles as [PlayerHandle, PlayerHandle, PlayerHandle];

    const r1 = await qm.askQuestion(1, q1, LIMIT_MS);
    expect(r1.asked).toEqual([alice.id, carol.id, quitter.id]);
    expect(r1.dropped).toEqual([quitter.id]);
    expect(await quitter.gone).toBe("left during a question");
    // alice and carol are scored from their last answers before the time limit; carol answered twice.
    const a1 = expectedChoice("expert", "alice", 1, q1);
    const c1 = expectedChoice("doubter", "carol", 1, q1);
    expect(r1.finalAnswers).toEqual(new Map([[alice.id, a1], [carol.id, c1]]));
    expect(r1.changes).toBe(1);
    expect(r1.level).toBe(3);
    expect([...r1.correct].sort()).toEqual([alice.id, carol.id].filter((id) => r1.finalAnswers.get(id) === q1.correct).sort());
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}quitter dropped out mid-question \(.*stream is down\): not scored$/));

    // The departure reaches clientConfig(); the scoreboard goes to the two left and shows the quitter as gone.
    await qm.until(() => !qm.isPlaying("quitter"), "the quitter to leave", 5000);
    expect(qm.players().nodeIDs()).toEqual([alice.id, carol.id]);
    await qm.publishResults(r1, false);
    await eventually(() => alice.scoreboards.length === 1 && carol.scoreboards.length === 1, "the scoreboard multicast");
    for (const h of [alice, carol]) {
      const board = h.scoreboards[0];
      expect(board?.question).toBe(1);
      expect(board?.scores.map((s) => [s.name, s.connected])).toEqual(expect.arrayContaining([["alice", true], ["carol", true], ["quitter", false]]));
      expect(board?.scores.find((s) => s.name === "alice")?.points).toBe(a1 === q1.correct ? 1 : 0);
    }

    // The next question goes to the two left, and nobody drops out of it.
    const r2 = await qm.askQuestion(2, q2, LIMIT_MS);
    expect(r2.asked).toEqual([alice.id, carol.id]);
    expect(r2.dropped).toEqual([]);
    expect(r2.finalAnswers).toEqual(new Map([[alice.id, expectedChoice("expert", "alice", 2, q2)], [carol.id, expectedChoice("doubter", "carol", 2, q2)]]));
  });

  it("a player that leaves after answering is not scored for that question; the others are", async () => {
    const q = QUESTIONS[2] as QuizQuestion;
    const { qm, handles } = await setup([
      { name: "alice", bot: "expert" },
      { name: "dora", bot: "doubter" },
    ]);
    const [alice, dora] = handles as [PlayerHandle, PlayerHandle];
    const asked = qm.askQuestion(3, q, LIMIT_MS);
    // dora leaves once her first answer has reached the quizmaster, while the question is still open.
    await eventually(() => lines.some((l) => /^ {2}dora answers [A-D]$/.test(l)), "dora's first answer");
    await dora.leave();
    const r = await asked;
    expect(r.dropped).toEqual([dora.id]);
    expect(r.finalAnswers).toEqual(new Map([[alice.id, expectedChoice("expert", "alice", 3, q)]]));
    expect(r.silent).toEqual([]);
    expect(qm.scores().find((s) => s.name === "dora")?.points).toBe(0);
    expect(qm.scores().find((s) => s.name === "alice")?.points).toBe(r.finalAnswers.get(alice.id) === q.correct ? 1 : 0);
  });
});
