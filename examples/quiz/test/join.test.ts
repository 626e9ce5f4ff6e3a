/**
 * Joining the quiz (in-process, real loopback streams): a player is a client
 * peer of the quizmaster, listed in its clientConfig() under the ID Join
 * returns; a name in use is refused, a name whose player left may come back
 * (points kept); a plain client without a server of its own (node ID 0,
 * cannot be asked) is refused; a client that dialed but did not join is not
 * asked.
 */
import { newConfig, Server, withNodeList } from "@gorums/runtime";
import { describe, expect, it, onTestFinished } from "vitest";
import { join } from "../src/gen/quiz/quiz_gorums.js";
import type { PlayerHandle } from "../src/player.js";
import { QUESTIONS, type QuizQuestion } from "../src/questions.js";
import type { Quizmaster } from "../src/quizmaster.js";
import { testPlayer, testQuizmaster } from "./fixtures.js";

describe("joining", () => {
  let qm: Quizmaster | undefined;

  /** An expert bot named `name`, joined to this test's quizmaster; it leaves when the test ends. */
  function player(name: string): Promise<PlayerHandle> {
    return testPlayer({ quizmaster: (qm as Quizmaster).addr, name, bot: "expert", seed: 1 });
  }

  it("lists players under their client peer IDs, refuses a name in use, and lets a name come back", async () => {
    qm = await testQuizmaster();
    const alice = await player("alice");
    expect(alice.id).toBeGreaterThanOrEqual(1 << 20);
    expect(qm.players().nodeIDs()).toEqual([alice.id]);
    await expect(player("alice")).rejects.toThrow(/alice could not join .*the name alice is taken/);

    // alice scores a point, leaves, and comes back under a new ID with her point.
    const q = QUESTIONS[0] as QuizQuestion;
    const r = await qm.askQuestion(1, { ...q, correct: 0 }, 1000);
    const point = r.finalAnswers.get(alice.id) === 0 ? 1 : 0;
    await alice.leave();
    const master = qm;
    await master.until(() => !master.isPlaying("alice"), "alice to leave", 5000);
    expect(master.players().size).toBe(0);
    const again = await player("alice");
    expect(again.id).not.toBe(alice.id);
    expect(master.scores().map((s) => [s.name, s.points, s.connected])).toEqual([["alice", point, true]]);
  });

  it("refuses a client without a server of its own, and does not ask clients that have not joined", async () => {
    qm = await testQuizmaster();
    const plain = newConfig(withNodeList([qm.addr]));
    onTestFinished(() => plain.close());
    const node = plain.nodes()[0];
    if (node === undefined) throw new Error("no node");
    await expect(join(node.context({ timeoutMs: 5000 }), { name: "zed" })).rejects.toThrow(/dial with a server of your own/);

    // A client with a server that never joins is a client peer, but not a player.
    const server = new Server();
    const lurker = newConfig(withNodeList([qm.addr]), { server });
    onTestFinished(() => server.stop());
    onTestFinished(() => lurker.close());
    const bea = await player("bea");
    // Both are client peers (the lurker's stream opens at once, as it passes a server); only bea has joined.
    const deadline = Date.now() + 5000;
    while (qm.clientConfig().size < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(qm.clientConfig().size).toBe(2);
    expect(qm.players().nodeIDs()).toEqual([bea.id]);
    const r = await qm.askQuestion(1, QUESTIONS[0] as QuizQuestion, 800);
    expect(r.asked).toEqual([bea.id]);
  });
});
