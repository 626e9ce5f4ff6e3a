/**
 * Regression: two systems whose streams to each other are refused (each
 * knows the other under an address the other does not announce), stopped
 * together. The sessions connect-node is tearing down after the refusals must
 * not surface as an uncaught "received GOAWAY without any open streams"
 * error (vitest fails the run on any uncaught error).
 */
import { describe, expect, it } from "vitest";
import { newSymmetricSystem, withNodes } from "../../src/index.js";
import { freePorts } from "./helpers.js";
import { sleep } from "../helpers/wait.js";

describe("stopping systems whose streams were refused", () => {
  for (let round = 0; round < 3; round++) {
    it(`raises no uncaught error (round ${round + 1})`, async () => {
      const [pa, pb, pc] = await freePorts(3);
      // A knows B at its real address; B knows A's ID at another port, so A's claim is refused.
      const a = await newSymmetricSystem(`127.0.0.1:${pa}`, 1, withNodes({ 1: `127.0.0.1:${pa}`, 2: `127.0.0.1:${pb}` }));
      const b = await newSymmetricSystem(`127.0.0.1:${pb}`, 2, withNodes({ 1: `127.0.0.1:${pc}`, 2: `127.0.0.1:${pb}` }));
      await Promise.all([a.serve(), b.serve()]);
      a.newOutboundConfig();
      await sleep(150);
      expect(b.inboundConfig().nodeIDs()).toEqual([2]);
      await Promise.all([a.stop(), b.stop()]);
      await sleep(50);
    });
  }
});
