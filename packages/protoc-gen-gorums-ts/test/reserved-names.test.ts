/**
 * Every method name generates code that compiles (issue 17 item 2):
 * test/proto/reserved/reserved.proto has a service whose methods are named
 * after every word a strict-mode ES module cannot declare (Await → `await`,
 * Eval → `eval`, …), the words protoplugin's safeIdentifier escapes, and the
 * names of the generated file's imports and parameters (RpcCall, Ctx, Impl,
 * …), over every call type. Its committed output (test/gen/reserved, and
 * test/gen-js/reserved for target=js+dts; cli.test.ts checks they equal the
 * plugin's output) names each client function `<localName>$` for a reserved
 * word and `<localName>` otherwise, typechecks under strict tsc, and runs: a
 * call through every function, TypeScript and JavaScript, reaches the
 * server's handler for that method on three servers on 127.0.0.1.
 */
import { dirname, join, relative } from "node:path";
import type { DescMethod } from "@bufbuild/protobuf";
import { type Configuration, newConfig, Server, type ServerCtx, withNodeList } from "@gorums/runtime";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTypeOf } from "../src/call-type.js";
import * as jsStubs from "./gen-js/reserved/reserved_gorums.js";
import * as tsStubs from "./gen/reserved/reserved_gorums.js";
import type { ReservedServer } from "./gen/reserved/reserved_gorums.js";
import { Reserved } from "./gen/reserved/reserved_pb.js";
import { packageDir, testProtoDir, workspaceDir } from "./support/paths.js";
import { requestFromDir } from "./support/request.js";
import { generatedFile, runPlugin } from "./support/run.js";

/**
 * The words a strict-mode ES module cannot bind (ECMA-262: ReservedWord,
 * the strict-mode future reserved words, `await` in modules, and `eval` and
 * `arguments`), written out here rather than taken from the plugin.
 */
const moduleReserved = [
  ...["await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else"],
  ...["enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new"],
  ...["null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with"],
  ...["yield", "implements", "interface", "let", "package", "private", "protected", "public", "static"],
  ...["eval", "arguments"],
];
/** Names protoplugin's safeIdentifier escapes besides those (TypeScript type names, globalThis). */
const safeIdentifierEscaped = ["bigint", "number", "boolean", "string", "object", "globalThis"];
/** Names of the generated file's runtime imports and parameters: kept, the imports are aliased. */
const importAndParameterNames = [
  ...["rpcCall", "unicastCall", "multicastCall", "quorumCall", "quorumCallStream"],
  ...["twoWayHandler", "oneWayHandler", "streamHandler", "unimplementedHandler"],
  ...["ctx", "req", "opts", "srv", "impl", "send", "bind", "undefined"],
];

/** The client function the plugin must generate for a method. */
function expectedFunctionName(method: DescMethod): string {
  const escaped = moduleReserved.includes(method.localName) || safeIdentifierEscaped.includes(method.localName);
  return escaped ? `${method.localName}$` : method.localName;
}

const genDir = join(packageDir, "test", "gen", "reserved");
const genJsDir = join(packageDir, "test", "gen-js", "reserved");

describe("method names a module reserves (reserved.proto)", () => {
  it("has a method for every such name, and for the names of the generated file's imports and parameters", () => {
    const localNames = Reserved.methods.map((m) => m.localName);
    expect(localNames).toEqual(expect.arrayContaining([...moduleReserved, ...safeIdentifierEscaped, ...importAndParameterNames]));
    // Every call type is among them.
    expect(new Set(Reserved.methods.map(callTypeOf))).toEqual(new Set(["rpc", "unicast", "multicast", "quorumcall", "quorumcall_stream"]));
  });

  it("names each client function <localName>$ for a reserved word, <localName> otherwise", () => {
    const files = runPlugin(requestFromDir(testProtoDir, ["reserved/reserved.proto"], "target=ts+js+dts,import_extension=js"));
    const tsOut = generatedFile(files, "reserved/reserved_gorums.ts");
    const jsOut = generatedFile(files, "reserved/reserved_gorums.js");
    const dtsOut = generatedFile(files, "reserved/reserved_gorums.d.ts");
    for (const method of Reserved.methods) {
      const name = expectedFunctionName(method);
      expect(tsOut).toContain(`\nexport function ${name}(ctx: `);
      expect(jsOut).toContain(`\nexport function ${name}(ctx, req, opts) {`);
      expect(dtsOut).toContain(`\nexport declare function ${name}(ctx: `);
    }
    expect(Object.keys(tsStubs).sort()).toEqual([...Reserved.methods.map(expectedFunctionName), "registerReservedServer"].sort());
    expect(Object.keys(jsStubs).sort()).toEqual(Object.keys(tsStubs).sort());
  });

  it("typechecks under strict tsc: the TypeScript and the declarations (and the JavaScript parses as a strict module)", () => {
    // The compiler options of test/typecheck (the repository's strict options, library declarations checked too).
    const tsconfig = join(packageDir, "test", "typecheck", "tsconfig.json");
    const { options } = ts.parseJsonConfigFileContent(ts.readConfigFile(tsconfig, ts.sys.readFile).config, ts.sys, dirname(tsconfig));
    expect(options.strict).toBe(true);
    const files = [join(genDir, "reserved_gorums.ts"), join(genJsDir, "reserved_gorums.js"), join(genJsDir, "reserved_gorums.d.ts")];
    const program = ts.createProgram(files, { ...options, noEmit: true, allowJs: true, checkJs: false });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file === undefined ? "" : `${relative(workspaceDir, d.file.fileName)}: `;
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(diagnostics).toEqual([]);
  }, 60_000);
});

/** What one request reached: the server, the method (its proto name) and the request's tag. */
interface Seen {
  readonly server: number;
  readonly method: string;
  readonly tag: string;
}

describe.each([
  ["TypeScript", tsStubs],
  ["JavaScript", jsStubs],
] as const)("a call through every generated function (%s) on three servers", (_lang, stubs) => {
  let servers: Server[] = [];
  let config: Configuration;
  const seen: Seen[] = [];
  const timeoutMs = 5000;

  beforeAll(async () => {
    const addrs: string[] = [];
    for (let id = 1; id <= 3; id++) {
      // One handler per method, keyed by localName (`new`, `await`, `impl`, …): it records the
      // request and answers with the method's proto name.
      const impl: Record<string, unknown> = {};
      for (const method of Reserved.methods) {
        const record = (ctx: ServerCtx, req: { tag: string }) => {
          expect(ctx.method).toBe(`reserved.Reserved.${method.name}`);
          seen.push({ server: id, method: method.name, tag: req.tag });
          return { method: method.name, tag: req.tag };
        };
        impl[method.localName] =
          callTypeOf(method) === "quorumcall_stream"
            ? async (ctx: ServerCtx, req: { tag: string }, send: (r: { method: string; tag: string }) => Promise<void>) => {
                await send(record(ctx, req));
              }
            : record;
      }
      const server = new Server();
      stubs.registerReservedServer(server, impl as Partial<ReservedServer>);
      servers.push(server);
      addrs.push(await server.listen("127.0.0.1:0"));
    }
    config = newConfig(withNodeList(addrs));
  });

  afterAll(async () => {
    await config.close();
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
  });

  it("reaches the handler of its method", async () => {
    const fns = stubs as unknown as Record<string, (ctx: unknown, req: { tag: string }) => unknown>;
    const expected: Seen[] = [];
    for (const method of Reserved.methods) {
      const fn = fns[expectedFunctionName(method)];
      expect(fn, expectedFunctionName(method)).toBeTypeOf("function");
      const tag = `via ${expectedFunctionName(method)}`;
      const reply = { method: method.name, tag };
      switch (callTypeOf(method)) {
        case "rpc":
          expect(await (fn!(config.node(2)!.context({ timeoutMs }), { tag }) as Promise<unknown>)).toMatchObject(reply);
          expected.push({ server: 2, method: method.name, tag });
          break;
        case "unicast":
          await fn!(config.node(3)!.context({ timeoutMs }), { tag });
          expected.push({ server: 3, method: method.name, tag });
          break;
        case "multicast":
          await fn!(config.context({ timeoutMs }), { tag });
          expected.push(...[1, 2, 3].map((server) => ({ server, method: method.name, tag })));
          break;
        case "quorumcall":
        case "quorumcall_stream":
          expect(await (fn!(config.context({ timeoutMs }), { tag }) as { all(): Promise<unknown> }).all()).toMatchObject(reply);
          expected.push(...[1, 2, 3].map((server) => ({ server, method: method.name, tag })));
          break;
      }
    }
    // Requests on a node's one stream are served in order: a quorum call answered by every node
    // comes after the one-way calls sent before it.
    const barrier = Reserved.methods.find((m) => callTypeOf(m) === "quorumcall")!;
    await (fns[expectedFunctionName(barrier)]!(config.context({ timeoutMs }), { tag: "barrier" }) as { all(): Promise<unknown> }).all();
    const sortKey = (s: Seen) => `${s.method} ${s.server}`;
    const got = seen.filter((s) => s.tag !== "barrier").sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    expect(got).toEqual(expected.sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
  });
});
