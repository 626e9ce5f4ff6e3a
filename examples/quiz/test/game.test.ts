/**
 * The quiz game end to end (what `pnpm quiz` runs): the BUILT program
 * (dist/main.js) plays the scripted game with its default seed — players in
 * processes of their own, bob leaving after question 2, erin joining before
 * question 3, dave walking out during question 4 — and exits 0 with the
 * scoreboard that seed gives. Bad command lines get a clear message, no stack.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = promisify(execFile);

/** The index of the first line that starts with `prefix` (after trimming), or fails. */
function lineIndex(lines: readonly string[], prefix: string): number {
  const i = lines.findIndex((l) => l.trim().startsWith(prefix));
  if (i < 0) {
    throw new Error(`no line starts with ${JSON.stringify(prefix)} in:\n${lines.join("\n")}`);
  }
  return i;
}

describe("quiz game", () => {
  it("runs to completion with the seed's joins, departures and scoreboard", async () => {
    const { stdout } = await run(process.execPath, [main], { timeout: 28_000 });
    const lines = stdout.split("\n");
    const at = (prefix: string) => lineIndex(lines, prefix);

    // Four players join before the game, as client peers (IDs from 1<<20), in order.
    const joins = ["alice", "bob", "carol", "dave"].map((n) => at(`+ ${n} joined before the first question as player`));
    expect(joins).toEqual([...joins].sort((a, b) => a - b));
    expect(lines[joins[0] as number]).toMatch(/as player 1048576 \(1 playing\)$/);

    // Question 1: the slow bot misses the time limit; the doubter changes its mind.
    expect(at("no answer in time from dave")).toBeGreaterThan(at("Question 1:"));
    expect(stdout).toContain("  carol changes the answer: B -> A");
    expect(stdout).toContain("  scored: alice B right (+1), bob D wrong, carol A wrong\n");
    expect(stdout).toContain("  scored: alice D wrong, bob B wrong, carol D wrong, dave C right (+1)\n");

    // bob leaves after question 2 (his config closes), erin joins, and question 3 goes to whoever is connected.
    const bobLeft = at("- bob left after question 2 (3 playing)");
    const erinJoined = at("+ erin joined after question 2 as player 1048580 (4 playing)");
    const q3 = at("Question 3:");
    expect(at("Scoreboard after question 2")).toBeLessThan(bobLeft);
    expect(bobLeft).toBeLessThan(erinJoined);
    expect(erinJoined).toBeLessThan(q3);
    expect(lines[q3 + 2]).toBe("  asking alice, carol, dave, erin (time limit 2000 ms)");
    expect(stdout).toContain("  scored: alice B right (+1), carol B right (+1), dave B right (+1), erin B right (+1)\n");

    // dave walks out during question 4: the others are still scored.
    const q4 = at("Question 4:");
    const daveLeft = at("- dave left during question 4 (3 playing)");
    const daveDropped = at("dave dropped out mid-question");
    const final = at("Final scoreboard (multicast to 3 players):");
    expect(q4).toBeLessThan(Math.min(daveLeft, daveDropped));
    expect(Math.max(daveLeft, daveDropped)).toBeLessThan(final);
    expect(stdout).toContain("  scored: alice C right (+1), carol C right (+1), erin A wrong\n");

    expect(lines.slice(final + 1, final + 6)).toEqual([
      "  1. alice  3 points",
      "  2. carol  2 points",
      "  2. dave   2 points (left)",
      "  4. erin   1 point",
      "  5. bob    0 points (left)",
    ]);
    // The final multicast reached every connected player; each then left.
    expect(stdout).toContain("alice: final scoreboard received: 1st of 5 with 3 points. Bye!");
    expect(stdout).toContain("carol: final scoreboard received: 2nd of 5 with 2 points. Bye!");
    expect(stdout).toContain("erin: final scoreboard received: 4th of 5 with 1 point. Bye!");
    for (const n of ["alice", "carol", "erin"]) {
      expect(at(`- ${n} left after the final scoreboard`)).toBeGreaterThan(final);
    }
    expect(stdout.trimEnd().endsWith("Game over: alice wins with 3 points.")).toBe(true);
  }, 30_000);

  it("refuses a bad command line with a clear message and exit code 2", async () => {
    for (const args of [["--seed", "lots"], ["--nope"], ["player", "--name", "x"], ["player", "--quizmaster", "127.0.0.1:9", "--name", "x", "--bot", "genius"]]) {
      const err = (await run(process.execPath, [main, ...args], { timeout: 10_000 }).catch((e: unknown) => e)) as { code?: number; stderr?: string };
      expect(err.code, args.join(" ")).toBe(2);
      expect(err.stderr).toMatch(/^quiz: .+\nRun "node dist\/main\.js --help" for usage\.\n$/);
      expect(err.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    }
  });
});
