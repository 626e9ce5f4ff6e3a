/**
 * End to end, as a new user would: `npm pack` tarballs of @gorums/runtime and
 * @gorums/protoc-gen-gorums-ts (checked to contain built JS, declarations, the
 * bin and gorums.proto) are installed with plain `npm install` into a
 * throwaway project in os.tmpdir(), outside the workspace, using the install
 * lines, tsconfig, buf.yaml and buf.gen.yaml of this package's README
 * verbatim (third-party packages pinned to the workspace's versions). A
 * `proto/kv/kv.proto` importing "gorums.proto" is generated with
 * `npx buf generate` (and with the README's protoc command, which must give
 * the same files, where protoc is installed), typechecked with strict
 * `tsc --noEmit` (library declarations included; wrongly typed calls must be
 * errors), compiled, and run, with TypeScript 5.9 and with TypeScript 7: three servers registered with the generated
 * registerKVServer, a multicast and quorum calls through the generated stubs.
 * Also: the root README's install lines and the user guide's tsconfig, buf and protoc setup are the same.
 *
 * Slow (two npm installs, about 20 s in all here, cold or warm npm cache):
 * one install, in beforeAll; the temporary directory is removed afterwards.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageDir, workspaceDir } from "./support/paths.js";

const runtimeDir = join(workspaceDir, "packages", "runtime");
const readme = readFileSync(join(packageDir, "README.md"), "utf8");

/** The environment for npm/npx: without what an enclosing npm/pnpm run sets for the workspace. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(package_|lifecycle_|config_local_prefix$)/i.test(k)),
);

/** Runs a command; throws with its output when it fails. */
function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): string {
  return runWithStderr(cmd, args, cwd, timeoutMs).stdout;
}

/** `run`, with what the command wrote to stderr (npm's warnings). */
function runWithStderr(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): { stdout: string; stderr: string } {
  const res = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 << 20 });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed (${res.error?.message ?? `exit ${res.status}`}):\n${res.stdout}\n${res.stderr}`);
  }
  return { stdout: res.stdout, stderr: res.stderr };
}

/** The packages an npm log warns EBADENGINE about ("npm warn EBADENGINE   package: 'name@version',"). */
function badEngines(log: string): string[] {
  return [...log.matchAll(/EBADENGINE\s+package: '(@?[^@']+)@/g)].map((m) => m[1] ?? "").sort();
}

/** The oldest Node major the published packages declare (engines.node ">=22"), and the one running. */
const SUPPORTED_NODE_MAJOR = 22;
const nodeMajor = Number(process.versions.node.split(".")[0]);

/** The version of a package installed in the workspace (what its lockfile resolved). */
function installedVersion(dir: string, name: string): string {
  return (JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

/** Third-party packages the README's install lines name, pinned to the workspace's versions. */
const pins: Record<string, string> = {
  "@bufbuild/buf": installedVersion(workspaceDir, "@bufbuild/buf"),
  "@bufbuild/protoc-gen-es": installedVersion(workspaceDir, "@bufbuild/protoc-gen-es"),
  "@bufbuild/protobuf": installedVersion(runtimeDir, "@bufbuild/protobuf"),
  typescript: installedVersion(workspaceDir, "typescript"),
  "@types/node": installedVersion(workspaceDir, "@types/node"),
};

/**
 * TypeScript 7: what `npm install --save-dev typescript` installs since
 * 7.0. Installed with npm beside the project (its own directory, so the
 * project keeps the README's TypeScript) and run on the same project: its
 * node_modules, its tsconfig.
 */
const TYPESCRIPT_7 = "7.0.2";

/** The compilers a user project is checked with: the README's (pinned to the workspace's 5.9) and TypeScript 7. */
const compilers: Array<{ name: string; cmd: string; args: string[] }> = [
  { name: `TypeScript ${pins.typescript} (npx tsc)`, cmd: "npx", args: ["tsc"] },
  { name: `TypeScript ${TYPESCRIPT_7}`, cmd: process.execPath, args: [] }, // args: set once installed, in beforeAll
];

/** The fenced code blocks of the README: language, body, and the text before the block. */
function readmeBlocks(): Array<{ lang: string; body: string; before: string }> {
  const blocks: Array<{ lang: string; body: string; before: string }> = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(readme); m !== null; m = re.exec(readme)) {
    blocks.push({ lang: m[1] ?? "", body: m[2] ?? "", before: readme.slice(Math.max(0, m.index - 160), m.index) });
  }
  return blocks;
}

/** The first README block of this language shortly after `marker`. */
function readmeBlock(lang: string, marker: string): string {
  const block = readmeBlocks().find((b) => b.lang === lang && b.before.includes(marker));
  if (block === undefined) {
    throw new Error(`README.md has no ${lang} block after ${JSON.stringify(marker)}`);
  }
  return block.body;
}

/** The README's `npm install` lines. */
function readmeInstallLines(): string[] {
  return readmeBlocks()
    .filter((b) => b.lang === "")
    .flatMap((b) => b.body.split("\n"))
    .filter((l) => l.startsWith("npm install "));
}

/** The README's protoc command (a shell snippet). */
function readmeProtocCommand(readmeText: string): string {
  const m = /^```\n((?:mkdir[^\n]*\n)?PATH=node_modules\/\.bin:\$PATH protoc[\s\S]*?)^```$/m.exec(readmeText);
  if (m?.[1] === undefined) {
    throw new Error("README has no protoc command");
  }
  return m[1];
}

/** The README's tsconfig.json, with library declarations checked too. */
function readmeTsconfig(): { compilerOptions: Record<string, unknown> } {
  const tsconfig = JSON.parse(readmeBlock("json", "tsconfig.json")) as { compilerOptions: Record<string, unknown> };
  expect(tsconfig.compilerOptions.strict).toBe(true);
  expect(tsconfig.compilerOptions.skipLibCheck).toBeUndefined();
  tsconfig.compilerOptions.skipLibCheck = false;
  return tsconfig;
}

const hasProtoc = spawnSync("protoc", ["--version"]).status === 0;
if (!hasProtoc) {
  console.warn("e2e-user-project: protoc not found on PATH; the README's protoc command is not tried (apt-get install protobuf-compiler)");
}

/** Newest modification time of a file, or of the files under a directory. */
function newestMtime(path: string): number {
  if (!statSync(path).isDirectory()) {
    return statSync(path).mtimeMs;
  }
  let newest = 0;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * Builds a package unless `product` is newer than every source (`pnpm test`
 * has just built both packages). Packing then skips the prepack build, so
 * that a rebuild never rewrites dist/ under other tests that use it.
 */
function buildIfStale(dir: string, product: string, sources: string[]): void {
  const builtAt = existsSync(product) ? statSync(product).mtimeMs : 0;
  if (sources.some((s) => newestMtime(s) > builtAt)) {
    run("npm", ["run", "build"], dir);
  }
}

interface Packed {
  readonly filename: string;
  readonly files: Array<{ path: string }>;
}

function pack(dir: string, dest: string): Packed {
  const out = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dest], dir);
  const [packed] = JSON.parse(out) as Packed[];
  if (packed === undefined) {
    throw new Error(`npm pack in ${dir} packed nothing`);
  }
  return packed;
}

const kvProto = `syntax = "proto3";

package kv;

import "google/protobuf/empty.proto";
import "gorums.proto";

// KV is a replicated key-value store.
service KV {
  // Read reads a key from every replica.
  rpc Read(ReadRequest) returns (ReadResponse) {
    option (gorums.quorumcall) = true;
  }

  // Write writes a key on every replica, without waiting for replies.
  rpc Write(WriteRequest) returns (google.protobuf.Empty) {
    option (gorums.multicast) = true;
  }
}

message ReadRequest {
  string key = 1;
}

message ReadResponse {
  string value = 1;
  uint32 replica = 2;
}

message WriteRequest {
  string key = 1;
  string value = 2;
}
`;

const mainTs = `import { newConfig, Server, withNodeList } from "@gorums/runtime";
import { read, registerKVServer, write } from "./gen/kv/kv_gorums.js";

const servers: Server[] = [];
const addrs: string[] = [];
for (let replica = 1; replica <= 3; replica++) {
  const store = new Map<string, string>();
  const server = new Server();
  registerKVServer(server, {
    read: (_ctx, req) => ({ value: store.get(req.key) ?? "", replica }),
    write: (_ctx, req) => {
      store.set(req.key, req.value);
    },
  });
  addrs.push(await server.listen("127.0.0.1:0"));
  servers.push(server);
}
const config = newConfig(withNodeList(addrs));
try {
  // Requests on one stream are served in order: the reads see the write.
  await write(config.context(), { key: "greeting", value: "hello, quorum" });
  const reply = await read(config.context({ timeoutMs: 5000 }), { key: "greeting" }).majority();
  const all = await read(config.context({ timeoutMs: 5000 }), { key: "greeting" }).results().collectAll();
  const replicas = [...all.values()].map((r) => r.replica).sort();
  console.log(JSON.stringify({ value: reply.value, type: reply.$typeName, replicas }));
} finally {
  await config.close();
  await Promise.all(servers.map((s) => s.stop()));
}
`;

/** Calls that must not typecheck: if the stubs' types were loose, the directives would be unused (an error). */
const typeErrorsTs = `import { newConfig, withNodeList } from "@gorums/runtime";
import { read, write, type KVServer } from "./gen/kv/kv_gorums.js";

export function wrong(): void {
  const config = newConfig(withNodeList(["127.0.0.1:1"]));
  // @ts-expect-error key is a string
  void read(config.context(), { key: 1 });
  // @ts-expect-error a quorum call needs a ConfigContext, not a NodeContext
  void read(config.nodes()[0]!.context(), { key: "k" });
  // @ts-expect-error a multicast resolves with nothing
  void write(config.context(), { key: "k", value: "v" }).then((r) => r.value);
  // @ts-expect-error replies are ReadResponses
  void read(config.context(), { key: "k" }).majority().then((r) => r.nope);
  const impl: Partial<KVServer> = {
    // @ts-expect-error replica is a number
    read: () => ({ replica: "one" }),
  };
  void impl;
}
`;

it("the root README and the user guide show the package README's setup lines", () => {
  const root = readFileSync(join(workspaceDir, "README.md"), "utf8");
  const section = root.slice(root.indexOf("## Generating stubs"), root.indexOf("\n## ", root.indexOf("## Generating stubs") + 1));
  expect(section).toContain(readmeInstallLines().join("\n"));
  const guide = readFileSync(join(workspaceDir, "docs", "user-guide.md"), "utf8");
  const prerequisites = guide.slice(guide.indexOf("## Prerequisites"));
  expect(JSON.parse(/^```json\n([\s\S]*?)^```$/m.exec(prerequisites)?.[1] ?? "null")).toEqual(JSON.parse(readmeBlock("json", "tsconfig.json")));
  const setup = guide.slice(guide.indexOf("### Compiling the service definition"));
  const yamlBlocks = [...setup.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
  const strip = (yaml: string) => yaml.replace(/^# .*\n/, "").replace(/\s+#.*$/gm, "").trim();
  expect(strip(yamlBlocks[0] ?? "")).toBe(strip(readmeBlock("yaml", "`buf.yaml`")));
  expect(strip(yamlBlocks[1] ?? "")).toBe(strip(readmeBlock("yaml", "`buf.gen.yaml`")));
  const protocOf = (text: string) => /^```\w*\n((?:mkdir[^\n]*\n)?PATH=node_modules\/\.bin:\$PATH protoc[\s\S]*?)^```$/m.exec(text)?.[1] ?? "";
  const oneLine = (cmd: string) => cmd.replace(/\s*\\\n\s*/g, " ").trim();
  expect(oneLine(protocOf(setup)).replace(/storage\/storage\.proto|kv\/kv\.proto/, "<proto>")).toBe(oneLine(readmeProtocCommand(readme)).replace(/storage\/storage\.proto|kv\/kv\.proto/, "<proto>"));
});

describe("a user project built from the npm packages", () => {
  let tmp = "";
  let app = "";
  const packed: Record<"runtime" | "plugin", Packed> = {} as Record<"runtime" | "plugin", Packed>;
  let installLog = "";

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "gorums-ts-e2e-"));
    const packs = join(tmp, "packs");
    app = join(tmp, "kv-app");
    mkdirSync(packs);
    mkdirSync(app);

    buildIfStale(runtimeDir, join(runtimeDir, "dist", "index.js"), [join(runtimeDir, "src"), join(runtimeDir, "tsconfig.build.json")]);
    buildIfStale(packageDir, join(packageDir, "dist", "index.js"), [join(packageDir, "src"), join(packageDir, "tsconfig.build.json")]);
    buildIfStale(packageDir, join(packageDir, "proto", "gorums.proto"), [join(workspaceDir, "proto", "gorums.proto")]);
    packed.runtime = pack(runtimeDir, packs);
    packed.plugin = pack(packageDir, packs);

    // The README's install lines, with our packages from the tarballs and the others pinned.
    writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "kv-app", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
    const tarballs: Record<string, string> = {
      "@gorums/runtime": join(packs, packed.runtime.filename),
      "@gorums/protoc-gen-gorums-ts": join(packs, packed.plugin.filename),
    };
    const installs = readmeInstallLines();
    expect(installs.length).toBeGreaterThan(0);
    for (const line of installs) {
      const args = line
        .split(/\s+/)
        .slice(1)
        .map((a) => {
          if (a.startsWith("-") || a === "install") {
            return a;
          }
          const spec = tarballs[a] ?? (pins[a] !== undefined ? `${a}@${pins[a]}` : undefined);
          if (spec === undefined) {
            throw new Error(`the README installs ${a}, which this test does not pin`);
          }
          return spec;
        });
      const out = runWithStderr("npm", [...args, "--no-audit", "--no-fund"], app);
      installLog += out.stdout + out.stderr;
    }

    const ts7 = join(tmp, "typescript-7");
    mkdirSync(ts7);
    writeFileSync(join(ts7, "package.json"), `${JSON.stringify({ name: "typescript-7", version: "1.0.0", private: true }, null, 2)}\n`);
    run("npm", ["install", "--save-dev", `typescript@${TYPESCRIPT_7}`, "--no-audit", "--no-fund"], ts7);
    compilers[1]!.args = [join(ts7, "node_modules", "typescript", "bin", "tsc")];
  }, 240_000);

  afterAll(() => {
    if (tmp !== "") {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("works outside the workspace", () => {
    expect(relative(workspaceDir, app).startsWith("..")).toBe(true);
    expect(existsSync(join(app, "node_modules", "@gorums", "runtime", "package.json"))).toBe(true);
  });

  it(`declares the Node it needs: on Node ${SUPPORTED_NODE_MAJOR}+ npm warns EBADENGINE about nothing; on older Node about our packages too`, () => {
    for (const dir of [runtimeDir, packageDir]) {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { engines: { node: string } };
      expect(pkg.engines.node).toBe(`>=${SUPPORTED_NODE_MAJOR}`);
    }
    if (nodeMajor >= SUPPORTED_NODE_MAJOR) {
      expect(badEngines(installLog), installLog).toEqual([]);
    } else {
      // Not a surprise from a transitive dependency alone: our own packages say it.
      expect(badEngines(installLog), installLog).toEqual(expect.arrayContaining(["@gorums/protoc-gen-gorums-ts", "@gorums/runtime"]));
    }
  });

  it("packs built JS, type declarations, the bin and gorums.proto", () => {
    const runtimeFiles = packed.runtime.files.map((f) => f.path);
    expect(runtimeFiles).toEqual(expect.arrayContaining(["package.json", "dist/index.js", "dist/index.d.ts", "dist/server/server.js", "dist/server/server.d.ts", "dist/wire/index.js", "dist/wire/index.d.ts"]));
    expect(runtimeFiles.filter((p) => !p.startsWith("dist/") && p !== "package.json" && !/^(README|LICENSE)/i.test(p))).toEqual([]);
    const pluginFiles = packed.plugin.files.map((f) => f.path);
    expect(pluginFiles).toEqual(
      expect.arrayContaining(["package.json", "README.md", "bin/protoc-gen-gorums-ts", "dist/index.js", "dist/index.d.ts", "dist/plugin.js", "proto/gorums.proto"]),
    );
    expect(pluginFiles.filter((p) => p.startsWith("src/") || p.startsWith("test/"))).toEqual([]);
  });

  it("generates kv_pb.ts, kv_gorums.ts and gorums_pb.ts with npx buf generate", () => {
    mkdirSync(join(app, "proto", "kv"), { recursive: true });
    writeFileSync(join(app, "proto", "kv", "kv.proto"), kvProto);
    writeFileSync(join(app, "buf.yaml"), readmeBlock("yaml", "`buf.yaml`"));
    writeFileSync(join(app, "buf.gen.yaml"), readmeBlock("yaml", "`buf.gen.yaml`"));
    run("npx", ["buf", "generate"], app);
    const gen = join(app, "src", "gen");
    expect(readdirSync(gen, { recursive: true }).map(String).sort()).toEqual(["gorums_pb.ts", "kv", "kv/kv_gorums.ts", "kv/kv_pb.ts"]);
    const stubs = readFileSync(join(gen, "kv", "kv_gorums.ts"), "utf8");
    expect(stubs).toContain('from "@gorums/runtime";');
    expect(stubs).toContain('typeof impl.read === "function" ? twoWayHandler(KV.method.read, impl.read.bind(impl))');
  }, 60_000);

  it.skipIf(!hasProtoc)("the README's protoc command writes the same files as buf generate", () => {
    const cmd = readmeProtocCommand(readme).replaceAll("src/gen", "protoc-gen").replaceAll("storage/storage.proto", "kv/kv.proto");
    run("bash", ["-euo", "pipefail", "-c", cmd], app);
    const gen = join(app, "src", "gen");
    const bufFiles = readdirSync(gen, { recursive: true }).map(String).sort();
    expect(readdirSync(join(app, "protoc-gen"), { recursive: true }).map(String).sort()).toEqual(bufFiles);
    for (const f of bufFiles.filter((f) => f.endsWith(".ts"))) {
      expect(readFileSync(join(app, "protoc-gen", f), "utf8"), f).toBe(readFileSync(join(gen, f), "utf8"));
    }
    rmSync(join(app, "protoc-gen"), { recursive: true });
  }, 60_000);

  for (const compiler of compilers) {
    describe(compiler.name, () => {
      it("typechecks with strict tsc --noEmit, library declarations included; wrongly typed calls are errors", () => {
        writeFileSync(join(app, "tsconfig.json"), `${JSON.stringify(readmeTsconfig(), null, 2)}\n`);
        writeFileSync(join(app, "src", "main.ts"), mainTs);
        // Without the @ts-expect-error directives: exactly those lines fail, nothing else.
        writeFileSync(join(app, "src", "type-errors.ts"), typeErrorsTs.replaceAll("// @ts-expect-error", "//"));
        const res = spawnSync(compiler.cmd, [...compiler.args, "--noEmit"], { cwd: app, env, encoding: "utf8" });
        expect(res.stdout, res.stderr).toContain("src/type-errors.ts(");
        const errorLines = res.stdout.split("\n").filter((l) => /^\S+\(\d+,\d+\): error/.test(l));
        expect(errorLines.filter((l) => !l.startsWith("src/type-errors.ts(")), res.stdout).toEqual([]);
        expect(errorLines.length, res.stdout).toBe(typeErrorsTs.split("@ts-expect-error").length - 1);
        expect(res.status).not.toBe(0);
      }, 60_000);

      it("without `types` in the tsconfig, the runtime's declarations still typecheck: they load Node's types themselves", () => {
        const tsconfig = readmeTsconfig();
        delete tsconfig.compilerOptions.types;
        writeFileSync(join(app, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
        writeFileSync(join(app, "src", "main.ts"), mainTs);
        writeFileSync(join(app, "src", "type-errors.ts"), typeErrorsTs);
        const res = spawnSync(compiler.cmd, [...compiler.args, "--noEmit"], { cwd: app, env, encoding: "utf8" });
        expect(res.stdout + res.stderr).toBe("");
        expect(res.status).toBe(0);
      }, 60_000);

      it("compiles (strict, every directive used) and runs a quorum call against three servers through the generated stubs", () => {
        writeFileSync(join(app, "tsconfig.json"), `${JSON.stringify(readmeTsconfig(), null, 2)}\n`);
        writeFileSync(join(app, "src", "main.ts"), mainTs);
        writeFileSync(join(app, "src", "type-errors.ts"), typeErrorsTs);
        rmSync(join(app, "dist"), { recursive: true, force: true });
        run(compiler.cmd, compiler.args, app);
        // rootDir is src: the output mirrors it.
        const out = run(process.execPath, [join(app, "dist", "main.js")], app, 30_000);
        expect(JSON.parse(out.trim())).toEqual({ value: "hello, quorum", type: "kv.ReadResponse", replicas: [1, 2, 3] });
      }, 60_000);
    });
  }
});
