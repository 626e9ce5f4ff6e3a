/**
 * A temporary directory for one test: made where the test asks for it and
 * removed when the test ends, also when it failed (vitest's onTestFinished).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/**
 * Makes a directory (mkdtemp of `prefix` in the OS's temporary directory)
 * and removes it, with everything in it, when the current test ends. Call it
 * inside a test or its beforeEach.
 */
export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
