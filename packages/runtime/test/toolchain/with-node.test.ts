/**
 * scripts/with-node.sh, without the network: a cache directory
 * (GORUMS_NODE_CACHE) that already holds a stand-in `node` for a version is
 * used as it is, with that node first on PATH for the command and whatever
 * the command starts; a cached binary of another version, or a malformed
 * version, is refused. (Fetching from the npm registry is what CI's Node 24
 * run does.)
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { onTestFinished, describe, expect, it } from "vitest";

const script = resolve(import.meta.dirname, "..", "..", "..", "..", "scripts", "with-node.sh");

describe("scripts/with-node.sh", () => {

  /** A cache holding a stand-in node under `dir` that reports `reports` for --version. */
  function cacheWith(dir: string, reports: string): string {
    const cache = mkdtempSync(join(tmpdir(), "with-node-"));
    onTestFinished(() => rmSync(cache, { recursive: true, force: true }));
    const bin = join(cache, dir, "node_modules", "node", "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "node"), `#!/bin/sh\nif [ "$1" = --version ]; then echo ${reports}; else echo "stand-in node $*"; fi\n`);
    chmodSync(join(bin, "node"), 0o755);
    return cache;
  }

  function withNode(cache: string, ...args: string[]) {
    return spawnSync("bash", [script, ...args], { encoding: "utf8", env: { ...process.env, GORUMS_NODE_CACHE: cache } });
  }

  it("runs the command with the cached node of that major first on PATH, for the command's children too", () => {
    const cache = cacheWith("24", "v24.99.1");
    const direct = withNode(cache, "24", "node", "--version");
    expect(direct.stderr).toContain("with-node: node v24.99.1");
    expect(direct.stdout.trim()).toBe("v24.99.1");
    const child = withNode(cache, "24", "bash", "-c", "node app.js");
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe("stand-in node app.js");
  });

  it("takes an exact version too", () => {
    const res = withNode(cacheWith("26.10.0", "v26.10.0"), "26.10.0", "node", "--version");
    expect(res.status).toBe(0);
    expect(res.stdout.trim()).toBe("v26.10.0");
  });

  it("refuses a cached binary of another version, and a malformed version", () => {
    const wrong = withNode(cacheWith("24", "v22.1.0"), "24", "node", "--version");
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("is v22.1.0, not 24");
    const malformed = withNode(cacheWith("24", "v24.0.0"), "latest", "node", "--version");
    expect(malformed.status).toBe(2);
    expect(malformed.stdout).toBe("");
    const missing = withNode(cacheWith("24", "v24.0.0"), "24");
    expect(missing.status).toBe(2);
  });
});
