/** Sequence numbers: dialing side counts from 1, accepting side sets the high bit, never 0. */
import { describe, expect, it } from "vitest";
import { isServerInitiated, SERVER_INITIATED_BIT, SequenceNumbers } from "../../src/wire/sequence.js";

describe("SequenceNumbers", () => {
  it("counts up from 1 without the high bit", () => {
    const s = new SequenceNumbers();
    expect([s.next(), s.next(), s.next()]).toEqual([1n, 2n, 3n]);
    expect(isServerInitiated(3n)).toBe(false);
  });

  it("sets the high bit for the accepting side", () => {
    const s = new SequenceNumbers(true);
    const n = s.next();
    expect(n).toBe(SERVER_INITIATED_BIT | 1n);
    expect(isServerInitiated(n)).toBe(true);
  });
});
