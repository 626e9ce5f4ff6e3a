import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { safeIdentifier } from "@bufbuild/protoplugin";

/**
 * Words a binding of a strict-mode ES module cannot be named: every ES
 * reserved word (keywords, `enum`, `null`, `true`, `false`), the words
 * reserved in strict mode (`implements`, `interface`, `let`, `package`,
 * `private`, `protected`, `public`, `static`, `yield`), `await` (reserved in
 * modules), and `eval` and `arguments` (which strict mode does not let a
 * declaration bind). protoplugin's safeIdentifier misses the last three.
 */
export const reservedWords: ReadonlySet<string> = new Set([
  // ES reserved words
  "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
  "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
  "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this",
  "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
  // reserved in strict mode
  "implements", "interface", "let", "package", "private", "protected", "public", "static",
  // not bindable in strict mode
  "eval", "arguments",
]);

/**
 * The name of the client function generated for a method: the method's
 * protobuf-es `localName` (lowerCamelCase, e.g. `ReadQC` → `readQC`), with a
 * `$` appended when a module cannot declare it (`Delete` → `delete$`,
 * `Await` → `await$`, see reservedWords) or when protoplugin's
 * safeIdentifier escapes it (`String` → `string$`, `GlobalThis` →
 * `globalThis$`). A name that clashes with an import of the generated file
 * (`QuorumCall` → `quorumCall`) is kept: the import is aliased instead.
 */
export function clientFunctionName(method: DescMethod): string {
  const name = method.localName;
  return reservedWords.has(name) ? `${name}$` : safeIdentifier(name);
}

/**
 * The member of the server interface for a method's handler: its `localName`,
 * which any word may be, except `new` (in an interface, `new(…)` declares a
 * construct signature): that one is quoted, `"new"(ctx, req)`, and is still
 * `impl.new`.
 */
export function handlerMemberName(method: DescMethod): string {
  return method.localName === "new" ? '"new"' : method.localName;
}

/** The name of the server interface generated for a service: `<Service>Server`. */
export function serverInterfaceName(service: DescService): string {
  return `${service.name}Server`;
}

/** The name of the register function generated for a service: `register<Service>Server`. */
export function registerFunctionName(service: DescService): string {
  return `register${service.name}Server`;
}

/**
 * Parameter names of the generated functions. A generated function body
 * refers to the service descriptor imported from `_pb`, so a service with one
 * of these names would be shadowed; validation refuses it.
 */
export const parameterNames: readonly string[] = ["ctx", "req", "opts", "srv", "impl"];
