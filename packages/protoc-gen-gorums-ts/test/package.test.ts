import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { version } from "../src/version.js";
import { gorumsProto, packageDir } from "./support/paths.js";

interface PackageJson {
  version: string;
  bin: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as PackageJson;

describe("the npm package", () => {
  it("prints the package version in generated preambles", () => {
    expect(version).toBe(pkg.version);
  });

  it("packs the built plugin, its declarations, the bin and gorums.proto", () => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: packageDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const [packed] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
    const paths = packed?.files.map((f) => f.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining([
        "bin/protoc-gen-gorums-ts",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/plugin.js",
        "dist/gen/gorums_pb.js",
        "proto/gorums.proto",
        "README.md",
        "package.json",
      ]),
    );
    expect(paths.filter((p) => p.startsWith("src/") || p.startsWith("test/"))).toEqual([]);
  });

  it("ships the workspace's gorums.proto unchanged", () => {
    expect(readFileSync(join(packageDir, "proto", "gorums.proto"), "utf8")).toBe(readFileSync(gorumsProto, "utf8"));
  });

  it("declares an executable bin named protoc-gen-gorums-ts", () => {
    expect(pkg.bin).toEqual({ "protoc-gen-gorums-ts": "bin/protoc-gen-gorums-ts" });
    expect(statSync(join(packageDir, pkg.bin["protoc-gen-gorums-ts"] ?? "")).mode & 0o111).not.toBe(0);
  });
});
