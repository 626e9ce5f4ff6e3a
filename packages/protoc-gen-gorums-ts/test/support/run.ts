import type { CodeGeneratorRequest } from "@bufbuild/protobuf/wkt";
import { protocGenGorumsTs } from "../../src/plugin.js";

/** Runs the plugin in-process and returns the generated files by name. */
export function runPlugin(req: CodeGeneratorRequest): Map<string, string> {
  const res = protocGenGorumsTs.run(req);
  return new Map(res.file.map((f) => [f.name, f.content]));
}

/** The content of one generated file; throws if the plugin did not write it. */
export function generatedFile(files: Map<string, string>, name: string): string {
  const content = files.get(name);
  if (content === undefined) {
    throw new Error(`plugin did not write ${name}; it wrote: ${[...files.keys()].join(", ")}`);
  }
  return content;
}

/** The lines of a generated file, with surrounding whitespace trimmed. */
export function trimmedLines(content: string): string[] {
  return content.split("\n").map((l) => l.trim());
}

/**
 * The handler registrations of the generated register functions in file
 * order, one string each: the generator prints `srv.registerHandler(`, the
 * handler (which carries its method) and `);` on three lines; they come back
 * as `srv.registerHandler(<handler>);`.
 */
export function registrations(content: string): string[] {
  const re = /^ {2}srv\.registerHandler\(\n {4}(.*),\n {2}\);$/gm;
  return [...content.matchAll(re)].map((m) => `srv.registerHandler(${m[1]});`);
}
