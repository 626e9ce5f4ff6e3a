/** The one helper for tests that expect a promise to fail. */
import { expect } from "vitest";

/** The error `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  expect.fail("expected the promise to reject");
}
