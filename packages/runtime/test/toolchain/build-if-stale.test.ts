/**
 * scripts/build-if-stale.mjs (what `pnpm storage`/`paxos`/`quiz`/`demo` run
 * first): it builds when a package's dist is missing or older than its
 * sources, and does nothing when every dist is current.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = resolve(fileURLToPath(import.meta.url), "../../../../../scripts/build-if-stale.mjs");

/** A workspace with one package, and a fake pnpm that records that it ran. */
function workspace(): { dir: string; run(): boolean } {
  const dir = mkdtempSync(join(tmpdir(), "stale-"));
  const pkg = join(dir, "examples", "x");
  mkdirSync(join(pkg, "src"), { recursive: true });
  mkdirSync(join(dir, "packages"));
  for (const f of ["package.json", "tsconfig.build.json", "src/main.ts"]) {
    writeFileSync(join(pkg, f), "{}");
  }
  const fake = join(dir, "fake-pnpm.js");
  writeFileSync(fake, `require("node:fs").writeFileSync(${JSON.stringify(join(dir, "built"))}, "");`);
  return {
    dir,
    run() {
      execFileSync(process.execPath, [script], { cwd: dir, env: { ...process.env, npm_execpath: fake } });
      const built = existsSync(join(dir, "built"));
      return built;
    },
  };
}

describe("build-if-stale", () => {
  it("builds without a dist, not with a current one, and again when a source is newer", () => {
    const ws = workspace();
    expect(ws.run()).toBe(true);
    const dist = join(ws.dir, "examples", "x", "dist");
    mkdirSync(dist);
    writeFileSync(join(dist, "main.js"), "");
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dist, "main.js"), later, later);
    execFileSync("rm", [join(ws.dir, "built")]);
    expect(ws.run()).toBe(false);
    const evenLater = new Date(Date.now() + 120_000);
    utimesSync(join(ws.dir, "examples", "x", "src", "main.ts"), evenLater, evenLater);
    expect(ws.run()).toBe(true);
  });
});
