/**
 * The `@gorums/runtime/wire` subpath export: the package's exports map
 * resolves it (for Node, from the built dist; for TypeScript, to its
 * declarations), it carries the wire's plumbing, and the root export no
 * longer does (the root is what an application uses).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { requireDist } from "../helpers/child-process.js";

const runtimeDir = fileURLToPath(new URL("../..", import.meta.url));

/** The names `specifier` exports, imported by plain Node from inside the runtime package (a self-reference through its exports map). */
function exportedNames(specifier: string): Record<string, string> {
  requireDist();
  const script = `const m = await import(${JSON.stringify(specifier)});
console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : typeof v]))));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: runtimeDir, encoding: "utf8" });
  return JSON.parse(out) as Record<string, string>;
}

const plumbing = ["SERVER_INITIATED_BIT", "isServerInitiated", "CAPABILITIES_HEADER", "CANCEL_CAPABILITY", "SHARED_LINK_CAPABILITY", "CANCEL_ENTRY", "TIMEOUT_ENTRY"];

describe("@gorums/runtime/wire", () => {
  it("resolves for Node and carries the plumbing: the high bit, the capabilities, the call-end entries", () => {
    const wire = exportedNames("@gorums/runtime/wire");
    expect(Object.keys(wire).sort()).toEqual([...plumbing].sort());
    expect(wire.SERVER_INITIATED_BIT).toBe((1n << 63n).toString());
    expect(wire.isServerInitiated).toBe("function");
  });

  it("is not in the root export, which keeps what applications use", () => {
    const root = exportedNames("@gorums/runtime");
    expect(Object.keys(root).filter((name) => plumbing.includes(name))).toEqual([]);
    expect(root.Server).toBe("function");
    expect(root.newConfig).toBe("function");
  });

  it("resolves for TypeScript to the declarations, BidiStream and its MessageSink included", () => {
    const options: ts.CompilerOptions = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
    const from = fileURLToPath(new URL("./consumer.ts", import.meta.url));
    const resolved = ts.resolveModuleName("@gorums/runtime/wire", from, options, ts.sys).resolvedModule;
    expect(resolved?.resolvedFileName).toBe(fileURLToPath(new URL("../../dist/wire/index.d.ts", import.meta.url)));
    const declarations = ts.sys.readFile(resolved?.resolvedFileName ?? "") ?? "";
    expect(declarations).toMatch(/export type \{ BidiStream \} from "\.\/bidi-stream\.js";/);
    expect(declarations).toMatch(/export type \{ MessageSink \} from "\.\/message-sink\.js";/); // what BidiStream.consume takes
  });
});
