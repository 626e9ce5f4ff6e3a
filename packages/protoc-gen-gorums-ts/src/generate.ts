import type { DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import type { GeneratedFile, Printable, Schema } from "@bufbuild/protoplugin";
import { callTypeOf, type CallType } from "./call-type.js";
import { clientDocText, handlerDocText, registerDocText, serverInterfaceDocText } from "./doc-text.js";
import {
  clientFunctionName,
  handlerMemberName,
  registerFunctionName,
  serverInterfaceName,
} from "./identifiers.js";
import { validateFile } from "./validate.js";

/** What one generation pass writes: TypeScript, JavaScript, or declarations. */
export type Target = "ts" | "js" | "dts";

/** The module the generated code calls. */
const runtimeModule = "@gorums/runtime";

/** How a call type maps onto the runtime's client call and server handler adapter. */
interface CallTypeSpec {
  /** The context type the client function takes. */
  readonly context: "NodeContext" | "ConfigContext";
  /** The runtime client call function. */
  readonly call: string;
  /** What the client function returns: the response, nothing, or the lazy Responses. */
  readonly result: "response" | "void" | "responses";
  /** The runtime server handler adapter, and so the handler's shape. */
  readonly handler: "twoWayHandler" | "oneWayHandler" | "streamHandler";
}

const callTypeSpecs: Record<CallType, CallTypeSpec> = {
  rpc: { context: "NodeContext", call: "rpcCall", result: "response", handler: "twoWayHandler" },
  unicast: { context: "NodeContext", call: "unicastCall", result: "void", handler: "oneWayHandler" },
  multicast: { context: "ConfigContext", call: "multicastCall", result: "void", handler: "oneWayHandler" },
  quorumcall: { context: "ConfigContext", call: "quorumCall", result: "responses", handler: "twoWayHandler" },
  quorumcall_stream: {
    context: "ConfigContext",
    call: "quorumCallStream",
    result: "responses",
    handler: "streamHandler",
  },
};

const fileExtension: Record<Target, string> = { ts: "ts", js: "js", dts: "d.ts" };

/**
 * Writes `<name>_gorums.<ts|js|d.ts>` for every file to generate that has a
 * service. Throws, before writing anything, an Error listing every problem
 * found by validateFile in any of the files.
 */
export function generate(schema: Schema, target: Target): void {
  const problems = schema.files.flatMap((file) => validateFile(file));
  if (problems.length > 0) {
    throw new Error(problems.join("\n"));
  }
  for (const file of schema.files) {
    if (file.services.length === 0) {
      continue;
    }
    const f = schema.generateFile(`${file.name}_gorums.${fileExtension[target]}`);
    f.preamble(file);
    // Declarations, separated by one blank line.
    const declarations: Array<() => void> = [];
    for (const service of file.services) {
      for (const method of service.methods) {
        declarations.push(() => printClientFunction(f, method, target));
      }
      if (target !== "js") {
        declarations.push(() => printServerInterface(f, service));
      }
      declarations.push(() => printRegisterFunction(f, service, target));
    }
    for (const [i, print] of declarations.entries()) {
      if (i > 0) {
        f.print();
      }
      print();
    }
  }
}

/** `export function readQC(ctx, req, opts) { return quorumCall(…); }` and its declaration. */
function printClientFunction(f: GeneratedFile, method: DescMethod, target: Target): void {
  const callType = callTypeOf(method);
  const spec = callTypeSpecs[callType];
  const name = clientFunctionName(method);
  f.print(f.jsDoc(clientDocText(method, callType)));
  if (target === "js") {
    f.print(f.export("function", name), "(ctx, req, opts) {");
  } else {
    const signature: Printable[] = [
      "(ctx: ",
      f.import(spec.context, runtimeModule, true),
      ", req: ",
      initShape(f, method.input),
      ", opts?: ",
      f.import("CallOptions", runtimeModule, true),
      "<",
      f.importShape(method.input),
      ", ",
      f.importShape(method.output),
      ">): ",
      resultType(f, spec, method.output),
    ];
    if (target === "dts") {
      f.print(f.export("declare function", name), signature, ";");
      return;
    }
    f.print(f.export("function", name), signature, " {");
  }
  f.print(
    "  return ",
    f.import(spec.call, runtimeModule),
    "(ctx, ",
    methodRef(f, method),
    ", req, opts);",
  );
  f.print("}");
}

/** `export interface StorageServer { readQC(ctx: ServerCtx, req: ReadRequest): …; }` */
function printServerInterface(f: GeneratedFile, service: DescService): void {
  f.print(f.jsDoc(serverInterfaceDocText(service)));
  f.print(f.export("interface", serverInterfaceName(service)), " {");
  for (const [i, method] of service.methods.entries()) {
    if (i > 0) {
      f.print();
    }
    const spec = callTypeSpecs[callTypeOf(method)];
    const head: Printable[] = [
      "  ",
      handlerMemberName(method),
      "(ctx: ",
      f.import("ServerCtx", runtimeModule, true),
      ", req: ",
      f.importShape(method.input),
    ];
    const respInit = initShape(f, method.output);
    f.print(f.jsDoc(handlerDocText(method), "  "));
    switch (spec.handler) {
      case "twoWayHandler":
        f.print(head, "): ", respInit, " | Promise<", respInit, ">;");
        break;
      case "oneWayHandler":
        f.print(head, "): void | Promise<void>;");
        break;
      case "streamHandler":
        f.print(head, ", send: (resp: ", respInit, ") => Promise<boolean>): void | Promise<unknown>;");
        break;
    }
  }
  f.print("}");
}

/**
 * `export function registerStorageServer(srv, impl) { srv.registerHandler(…); … }`:
 * `impl` is a `Partial<StorageServer>`; each method it has is registered
 * bound to it (as connect-es's `router.service` does), each it lacks with
 * `unimplementedHandler`.
 */
function printRegisterFunction(f: GeneratedFile, service: DescService, target: Target): void {
  const name = registerFunctionName(service);
  const implType: Printable = ["Partial<", serverInterfaceName(service), ">"];
  f.print(f.jsDoc(registerDocText(service)));
  if (target === "dts") {
    f.print(
      f.export("declare function", name),
      "(srv: ",
      f.import("Server", runtimeModule, true),
      ", impl: ",
      implType,
      "): void;",
    );
    return;
  }
  if (target === "js") {
    f.print(f.export("function", name), "(srv, impl) {");
  } else {
    f.print(
      f.export("function", name),
      "(srv: ",
      f.import("Server", runtimeModule, true),
      ", impl: ",
      implType,
      "): void {",
    );
  }
  for (const method of service.methods) {
    const { handler } = callTypeSpecs[callTypeOf(method)];
    const member = ["impl.", method.localName];
    f.print("  srv.registerHandler(");
    f.print(
      "    typeof ",
      member,
      ' === "function" ? ',
      f.import(handler, runtimeModule),
      "(",
      methodRef(f, method),
      ", ",
      member,
      ".bind(impl)) : ",
      f.import("unimplementedHandler", runtimeModule),
      "(",
      methodRef(f, method),
      ", ",
      f.string(handlerKinds[handler]),
      "),",
    );
    f.print("  );");
  }
  f.print("}");
}

/** The `HandlerKind` of the runtime's handlers made by each adapter. */
const handlerKinds: Record<CallTypeSpec["handler"], "twoway" | "oneway" | "stream"> = {
  twoWayHandler: "twoway",
  oneWayHandler: "oneway",
  streamHandler: "stream",
};

/** `Storage.method.readQC`: the method descriptor from protoc-gen-es's `_pb` file. */
function methodRef(f: GeneratedFile, method: DescMethod): Printable {
  return [f.importSchema(method.parent), ".method.", method.localName];
}

/** `MessageInitShape<typeof ReadRequestSchema>` */
function initShape(f: GeneratedFile, message: DescMessage): Printable {
  return [
    f.import("MessageInitShape", "@bufbuild/protobuf", true),
    "<typeof ",
    f.importSchema(message, true),
    ">",
  ];
}

/** `Promise<ReadResponse>`, `Promise<void>` or `Responses<ReadResponse>`. */
function resultType(f: GeneratedFile, spec: CallTypeSpec, output: DescMessage): Printable {
  switch (spec.result) {
    case "response":
      return ["Promise<", f.importShape(output), ">"];
    case "void":
      return "Promise<void>";
    case "responses":
      return [f.import("Responses", runtimeModule, true), "<", f.importShape(output), ">"];
  }
}
