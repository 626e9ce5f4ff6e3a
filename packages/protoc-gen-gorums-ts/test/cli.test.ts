import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync as mkdtempFs, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bufBin, gorumsProto, packageDir, pluginBin, testProtoDir, workspaceDir } from "./support/paths.js";
import { requestFromDir } from "./support/request.js";
import { runPlugin } from "./support/run.js";

const testProtos = ["gostorage/storage.proto", "multi/types.proto", "multi/multi.proto", "reserved/reserved.proto"];

/** Temporary directories of this file, removed after its tests. */
const tempDirs: string[] = [];
const mkdtempSync = (prefix: string) => {
  const dir = mkdtempFs(prefix);
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every file under dir, by path relative to dir. */
function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) {
        walk(p);
      } else {
        files.set(relative(dir, p), readFileSync(p, "utf8"));
      }
    }
  };
  walk(dir);
  return files;
}

/** The `_gorums` files of a tree. */
function gorumsFiles(tree: Map<string, string>): Map<string, string> {
  return new Map([...tree].filter(([name]) => name.includes("_gorums.")).sort(([a], [b]) => a.localeCompare(b)));
}

const inProcess = (parameter: string) =>
  new Map([...runPlugin(requestFromDir(testProtoDir, testProtos, parameter))].sort(([a], [b]) => a.localeCompare(b)));

const protocVersion = spawnSync("protoc", ["--version"], { encoding: "utf8" });
const hasProtoc = protocVersion.status === 0;
if (!hasProtoc) {
  console.warn("protoc-gen-gorums-ts: protoc not found on PATH; the protoc tests are skipped (apt-get install protobuf-compiler)");
}

it("the bin shim runs the built plugin", () => {
  expect(existsSync(join(packageDir, "dist", "index.js")), "build the package first (pnpm -r run build)").toBe(true);
  const res = spawnSync(pluginBin, ["--version"], { encoding: "utf8" });
  const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
  expect(res.stdout).toBe(`protoc-gen-gorums-ts v${pkg.version}\n`);
});

describe(hasProtoc ? `under protoc (${protocVersion.stdout.trim()})` : "under protoc (skipped: protoc not found on PATH)", () => {
  const protoc = (out: string, opt: string, ...files: string[]) =>
    spawnSync(
      "protoc",
      [
        `--plugin=protoc-gen-gorums-ts=${pluginBin}`,
        `--gorums-ts_out=${out}`,
        `--gorums-ts_opt=${opt}`,
        `-I${join(workspaceDir, "proto")}`,
        `-I${testProtoDir}`,
        ...files,
      ],
      { encoding: "utf8" },
    );

  it.skipIf(!hasProtoc)("writes the same files as the in-process plugin", () => {
    const out = mkdtempSync(join(tmpdir(), "gorums-ts-protoc-"));
    const res = protoc(out, "target=ts,import_extension=js", ...testProtos);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(readTree(out)).toEqual(inProcess("target=ts,import_extension=js"));
  });

  it.skipIf(!hasProtoc)("fails with the validation message", () => {
    const dir = mkdtempSync(join(tmpdir(), "gorums-ts-protoc-bad-"));
    writeFileSync(
      join(dir, "bad.proto"),
      'syntax = "proto3";\npackage bad;\nmessage M {}\nservice S {\n  rpc Watch(M) returns (stream M);\n}\n',
    );
    const res = spawnSync(
      "protoc",
      [`--plugin=protoc-gen-gorums-ts=${pluginBin}`, `--gorums-ts_out=${dir}`, `-I${dir}`, "bad.proto"],
      { encoding: "utf8" },
    );
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(
      "protoc-gen-gorums-ts: bad.proto: service bad.S, method Watch: option (gorums.quorumcall) is required for a server-streaming method",
    );
  });
});

describe("under buf generate with a local plugin", () => {
  /** A fresh buf workspace with gorums.proto and the given protos, plus a buf.gen.yaml. */
  const workspace = (protos: Record<string, string>, genYaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), "gorums-ts-buf-"));
    mkdirSync(join(dir, "proto"));
    writeFileSync(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n");
    copyFileSync(gorumsProto, join(dir, "proto", "gorums.proto"));
    for (const [name, content] of Object.entries(protos)) {
      mkdirSync(join(dir, "proto", name, ".."), { recursive: true });
      writeFileSync(join(dir, "proto", name), content);
    }
    writeFileSync(join(dir, "buf.gen.yaml"), genYaml);
    return dir;
  };

  it("writes the same files as the in-process plugin, beside protoc-gen-es output", () => {
    const protos = Object.fromEntries(testProtos.map((p) => [p, readFileSync(join(testProtoDir, p), "utf8")]));
    const dir = workspace(
      protos,
      `version: v2
plugins:
  - local: ${join(workspaceDir, "node_modules", ".bin", "protoc-gen-es")}
    out: gen
    opt: [target=js+dts]
    include_imports: true
  - local: ["node", ${JSON.stringify(pluginBin)}]
    out: gen
    opt: [target=js+dts]
`,
    );
    const res = spawnSync(bufBin, ["generate"], { cwd: dir, encoding: "utf8" });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    const tree = readTree(join(dir, "gen"));
    expect(gorumsFiles(tree)).toEqual(inProcess("target=js+dts"));
    expect([...tree.keys()]).toEqual(expect.arrayContaining(["gorums_pb.js", "gostorage/storage_pb.js", "multi/multi_pb.d.ts"]));
  });

  it("fails with the validation message", () => {
    const dir = workspace(
      {
        "bad/bad.proto":
          'syntax = "proto3";\npackage bad;\nimport "gorums.proto";\nmessage M {}\nservice S {\n  rpc Both(M) returns (M) {\n    option (gorums.unicast) = true;\n    option (gorums.multicast) = true;\n  }\n}\n',
      },
      `version: v2
plugins:
  - local: ["node", ${JSON.stringify(pluginBin)}]
    out: gen
`,
    );
    const res = spawnSync(bufBin, ["generate"], { cwd: dir, encoding: "utf8" });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(
      "bad/bad.proto: service bad.S, method Both: sets several Gorums call types (gorums.unicast), (gorums.multicast)",
    );
  });
});

describe("the committed samples (test/gen, test/gen-js)", () => {
  it("equal the in-process output", () => {
    expect(gorumsFiles(readTree(join(packageDir, "test", "gen")))).toEqual(inProcess("target=ts,import_extension=js"));
    expect(gorumsFiles(readTree(join(packageDir, "test", "gen-js")))).toEqual(inProcess("target=js+dts,import_extension=js"));
  });
});
