/**
 * End to end: the built program (what `pnpm paxos` runs) with 3 and with 5
 * replicas completes, prints every replica's log, says they agree, and
 * counts N(N-1)/2 TCP connections among the replicas; bad flags (also of
 * the replica subcommand) get a short message and exit code 2, never a
 * stack trace.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = (args: string[]) => promisify(execFile)(process.execPath, [main, ...args], { timeout: 25_000 });

describe("node dist/main.js", () => {
  for (const n of [3, 5]) {
    it(`--replicas ${n}: all replicas decide the same log over ${(n * (n - 1)) / 2} TCP connections`, async () => {
      const { stdout } = await run(n === 3 ? [] : ["--replicas", String(n)]);
      const clients = n + 1;
      const commands = clients * 4;
      for (let id = 1; id <= n; id++) {
        expect(stdout).toMatch(new RegExp(`replica ${id} listens on 127\\.0\\.0\\.1:\\d+`));
      }
      // Every command was decided, as its client saw it.
      expect(stdout.match(/ -> replica \d+: c\d+\.\d+ .* decided in slot \d+/g)).toHaveLength(commands);
      // The log table has one column per replica and a row per slot with the same entry in every column.
      expect(stdout).toContain(`  slot  ${Array.from({ length: n }, (_, i) => `replica ${i + 1}`.padEnd(12)).join("").trimEnd()}`);
      const rows = stdout.split("\n").filter((l) => /^\s+\d+ {2}\S/.test(l) && l.includes("ballot "));
      expect(rows.length).toBeGreaterThanOrEqual(commands);
      for (const row of rows) {
        const cells = row.slice(8, 8 + 12 * n).match(/.{12}/g)?.map((c) => c.trim());
        expect(new Set(cells).size, row).toBe(1);
      }
      expect(stdout).toMatch(new RegExp(`all ${n} replicas agree: the same \\d+ slots, holding all ${commands} commands`));
      expect(stdout).toContain(`TCP connections among the ${n} replicas (counted in /proc/net/tcp): ${(n * (n - 1)) / 2}; N(N-1)/2 = ${(n * (n - 1)) / 2}`);
      expect(stdout.trim().endsWith("done")).toBe(true);
    });
  }

  it("rejects bad flags with a short message and exit code 2", async () => {
    for (const args of [
      ["--replicas", "0"],
      ["--replicas", "many"],
      ["--bogus"],
      ["replica", "--replicas", "1=127.0.0.1:9001"],
      ["replica", "--id", "2", "--replicas", "1=127.0.0.1:9001"],
      ["replica", "--id", "1", "--replicas", "1=127.0.0.1:9001", "--forget-state"],
      ["client", "x=1"],
      ["client", "--replicas", "1=127.0.0.1:9001"],
      ["client", "--replicas", "1=127.0.0.1:9001", "x"],
      ["client", "--replicas", "1=127.0.0.1:9001", "--duration-ms", "100", "x?"],
    ]) {
      const err = await run(args).then(
        () => undefined,
        (e: { code?: number; stderr?: string }) => e,
      );
      expect(err?.code, args.join(" ")).toBe(2);
      expect(err?.stderr).toMatch(/^paxos: /);
      expect(err?.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
