/**
 * The quiz's in-process test fixtures: a Quizmaster and players that clean
 * up after themselves, registered with vitest's onTestFinished where they
 * are made (call them inside a test). What is made last goes first: the
 * players leave before their quizmaster stops.
 */
import { onTestFinished } from "vitest";
import { type PlayerHandle, type PlayerOptions, startPlayer } from "../src/player.js";
import { Quizmaster, type QuizmasterOptions } from "../src/quizmaster.js";

/** Quizmaster.start(opts), stopped when the current test ends. */
export async function testQuizmaster(opts: QuizmasterOptions = {}): Promise<Quizmaster> {
  const qm = await Quizmaster.start(opts);
  onTestFinished(async () => {
    await qm.stop();
  });
  return qm;
}

/** startPlayer(opts), the player leaving when the current test ends (if it has not left already). */
export async function testPlayer(opts: PlayerOptions): Promise<PlayerHandle> {
  const h = await startPlayer(opts);
  onTestFinished(async () => {
    await h.leave();
  });
  return h;
}
