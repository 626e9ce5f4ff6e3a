/** The scripted storage demo (what `pnpm demo` runs) completes and prints the value it wrote. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("writes and reads a key through quorum calls on three local replicas", async () => {
  const demo = fileURLToPath(new URL("../dist/demo.js", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [demo], { timeout: 30_000 });
  expect(stdout).toContain("started 3 storage replicas");
  expect(stdout).toContain("write quorum call (majority of 3): new=true");
  expect(stdout).toContain('read quorum call (majority of 3): ok=true value="hello, quorum"');
  expect(stdout.match(/holds "hello, quorum"/g)?.length).toBe(3);
  expect(stdout.trim().endsWith("done")).toBe(true);
});
