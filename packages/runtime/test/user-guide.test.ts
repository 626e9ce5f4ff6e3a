/**
 * The TypeScript in the docs typechecks: every ```ts block of
 * docs/user-guide.md, docs/security.md and the README is compiled, each as a module of its
 * own, with the repository's strict compiler options (tsconfig.base.json),
 * against the runtime's source and the storage example's generated stubs.
 *
 * In a block, "@gorums/runtime" is packages/runtime/src/index.ts (also for
 * the generated stubs, so that both see the same classes), and
 * "./gen/storage/storage_pb.js" / "./gen/storage/storage_gorums.js" are the
 * storage example's generated files; other packages resolve as they do for
 * the runtime (@bufbuild/protobuf, @connectrpc/connect, node:*). A block
 * fenced as ```ts nocheck is only parsed (for deliberately partial code; the
 * block says why). Blocks are compiled in memory: nothing is written to disk.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const runtimeIndex = join(repo, "packages/runtime/src/index.ts");
const storageGen = join(repo, "examples/storage/src/gen/storage");
/** Where the blocks live, in memory (a directory that does not exist). */
const blockDir = join(repo, "docs/.typecheck");

/** One fenced ```ts block of a markdown file. */
export interface CodeBlock {
  /** The markdown file, relative to the repository. */
  readonly doc: string;
  /** 1-based line of the block's first code line in the markdown file. */
  readonly line: number;
  readonly code: string;
  /** Fenced as ```ts nocheck: parsed, not typechecked. */
  readonly nocheck: boolean;
}

/** The ```ts blocks of a markdown text (``` fences only; other languages are skipped). */
export function extractTsBlocks(doc: string, markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  let open: { line: number; info: string; body: string[]; fence: string } | undefined;
  lines.forEach((text, i) => {
    if (open === undefined) {
      const m = /^(\s*)(```+)\s*(\S*)\s*(.*)$/.exec(text);
      if (m !== null) {
        open = { line: i + 2, info: `${m[3] ?? ""} ${m[4] ?? ""}`.trim(), body: [], fence: m[2] ?? "```" };
      }
      return;
    }
    if (new RegExp(`^\\s*${open.fence}\\s*$`).test(text)) {
      const [lang, ...flags] = open.info.split(/\s+/);
      if (lang === "ts" || lang === "typescript") {
        blocks.push({ doc, line: open.line, code: open.body.join("\n"), nocheck: flags.includes("nocheck") });
      }
      open = undefined;
      return;
    }
    open.body.push(text);
  });
  if (open !== undefined) {
    throw new Error(`${doc}: unclosed code fence opened at line ${(open as { line: number }).line - 1}`);
  }
  return blocks;
}

/** The repository's compiler options (tsconfig.base.json), without emitting. */
function compilerOptions(): ts.CompilerOptions {
  const path = join(repo, "tsconfig.base.json");
  const json = ts.readConfigFile(path, ts.sys.readFile);
  if (json.error !== undefined) {
    throw new Error(ts.flattenDiagnosticMessageText(json.error.messageText, "\n"));
  }
  const parsed = ts.parseJsonConfigFileContent(json.config, ts.sys, repo, undefined, path);
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, typeRoots: [join(repo, "node_modules/@types")] };
}

/** The path a block is compiled under. */
function blockPath(b: CodeBlock): string {
  return join(blockDir, `${b.doc.replace(/[^A-Za-z0-9]+/g, "_")}_line${b.line}.mts`);
}

/**
 * Typechecks the blocks in one program; returns one message per error,
 * "doc:line:col: message", with the position in the markdown file.
 */
export function typecheckBlocks(blocks: readonly CodeBlock[]): string[] {
  const options = compilerOptions();
  const virtual = new Map<string, CodeBlock>();
  for (const b of blocks) {
    // `export {}` makes every block a module of its own, even one without imports.
    virtual.set(blockPath(b), { ...b, code: `${b.code}\nexport {};\n` });
  }
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => virtual.get(f)?.code ?? readFile(f);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const b = virtual.get(f);
    return b !== undefined ? ts.createSourceFile(f, b.code, lang, true) : getSourceFile(f, lang, onError, create);
  };
  const cache = ts.createModuleResolutionCache(repo, (s) => s, options);
  const resolveFrom = (name: string, containing: string): ts.ResolvedModuleWithFailedLookupLocations =>
    ts.resolveModuleName(name, containing, options, host, cache);
  const fixed = (path: string): ts.ResolvedModuleWithFailedLookupLocations => ({
    resolvedModule: { resolvedFileName: path, extension: ts.Extension.Ts, isExternalLibraryImport: false },
  });
  host.resolveModuleNameLiterals = (literals, containingFile) =>
    literals.map((lit) => {
      const name = lit.text;
      if (name === "@gorums/runtime") {
        return fixed(runtimeIndex);
      }
      if (name === "@gorums/runtime/testing") {
        return fixed(join(dirname(runtimeIndex), "testing", "index.ts"));
      }
      if (!virtual.has(containingFile)) {
        return resolveFrom(name, containingFile);
      }
      const gen = /^\.\/gen\/storage\/(storage_pb|storage_gorums)\.js$/.exec(name);
      if (gen !== null) {
        return fixed(join(storageGen, `${gen[1]}.ts`));
      }
      // Packages as the runtime sees them.
      return resolveFrom(name, runtimeIndex);
    });

  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const errors: string[] = [];
  const report = (d: ts.Diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const b = d.file !== undefined ? virtual.get(d.file.fileName) : undefined;
    if (b === undefined || d.file === undefined || d.start === undefined) {
      errors.push(`${d.file?.fileName ?? "(program)"}: ${text}`);
      return;
    }
    const pos = d.file.getLineAndCharacterOfPosition(d.start);
    errors.push(`${b.doc}:${b.line + pos.line}:${pos.character + 1}: TS${d.code}: ${text}`);
  };
  program.getOptionsDiagnostics().forEach(report);
  program.getGlobalDiagnostics().forEach(report);
  for (const [path, b] of virtual) {
    const sf = program.getSourceFile(path);
    if (sf === undefined) {
      errors.push(`${b.doc}:${b.line}: block not compiled`);
      continue;
    }
    program.getSyntacticDiagnostics(sf).forEach(report);
    if (!b.nocheck) {
      program.getSemanticDiagnostics(sf).forEach(report);
    }
  }
  return errors;
}

function blocksOf(doc: string): CodeBlock[] {
  return extractTsBlocks(doc, readFileSync(join(repo, doc), "utf8"));
}

describe("docs: TypeScript code blocks typecheck", () => {
  it("extracts ```ts blocks with their lines, and ```ts nocheck ones", () => {
    const md = ["# t", "```ts", "const a = 1;", "```", "```sh", "ls", "```", "```ts nocheck", "a.b(", "```"].join("\n");
    expect(extractTsBlocks("t.md", md)).toEqual([
      { doc: "t.md", line: 3, code: "const a = 1;", nocheck: false },
      { doc: "t.md", line: 9, code: "a.b(", nocheck: true },
    ]);
  });

  it("reports a block that does not typecheck, at its markdown line (the check can fail)", () => {
    const errors = typecheckBlocks([
      { doc: "t.md", line: 10, code: 'import { newConfig } from "@gorums/runtime";\nconst n: number = newConfig;', nocheck: false },
      { doc: "t.md", line: 20, code: 'import { readQC } from "./gen/storage/storage_gorums.js";\nreadQC(1, {});', nocheck: false },
      { doc: "t.md", line: 30, code: "const s: string = 1;", nocheck: true },
      { doc: "t.md", line: 40, code: "const s: string = ;", nocheck: true },
    ]);
    expect(errors.some((e) => e.startsWith("t.md:11:7: TS2322"))).toBe(true);
    expect(errors.some((e) => e.startsWith("t.md:21:8: TS2345"))).toBe(true);
    // nocheck: types are not checked, syntax is.
    expect(errors.some((e) => e.startsWith("t.md:30:"))).toBe(false);
    expect(errors.some((e) => e.startsWith("t.md:40:"))).toBe(true);
  }, 120_000);

  it("docs/user-guide.md, docs/security.md and README.md: every ```ts block typechecks", () => {
    const docs = ["docs/user-guide.md", "docs/security.md", "README.md"].filter((d) => existsSync(join(repo, d)));
    expect(docs).toContain("docs/user-guide.md");
    expect(docs).toContain("docs/security.md");
    const blocks = docs.flatMap(blocksOf);
    expect(blocks.filter((b) => b.doc === "docs/user-guide.md").length).toBeGreaterThan(20);
    expect(blocks.filter((b) => b.doc === "docs/security.md").length).toBeGreaterThanOrEqual(2);
    // nocheck is for the odd partial block, and it must say why.
    for (const b of blocks.filter((b) => b.nocheck)) {
      expect(b.code, `${b.doc}:${b.line}: a nocheck block says why in a comment`).toMatch(/\/\/|\/\*/);
    }
    expect(blocks.filter((b) => b.nocheck).length).toBeLessThanOrEqual(3);
    expect(typecheckBlocks(blocks)).toEqual([]);
  }, 120_000);
});
