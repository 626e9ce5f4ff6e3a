/**
 * The Go interop suites skip (loudly) where `go` is missing; on CI (CI=true)
 * a missing Go peer fails here instead.
 */
import { expect, it } from "vitest";
import { goMissing } from "./helpers/peers.js";

it("the Go interop peer is built (required on CI)", () => {
  const missing = goMissing();
  if (missing !== undefined) {
    throw missing;
  }
  expect(missing).toBeUndefined();
});
