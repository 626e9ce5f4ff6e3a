import { toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { protocGenGorumsTs } from "../src/plugin.js";
import { testProtoDir } from "./support/paths.js";
import { requestFromDir, requestFromSources } from "./support/request.js";
import { generatedFile, registrations, runPlugin, trimmedLines } from "./support/run.js";

const allTestProtos = ["gostorage/storage.proto", "multi/types.proto", "multi/multi.proto"];

describe("target=js+dts", () => {
  const files = runPlugin(requestFromDir(testProtoDir, ["gostorage/storage.proto"], "target=js+dts"));

  it("writes storage_gorums.js and storage_gorums.d.ts, and no .ts", () => {
    expect([...files.keys()].sort()).toEqual(["gostorage/storage_gorums.d.ts", "gostorage/storage_gorums.js"]);
  });

  it("writes plain JavaScript that imports values only, without extension by default", () => {
    const jsText = generatedFile(files, "gostorage/storage_gorums.js");
    const js = trimmedLines(jsText);
    expect(js).toContain('import { Storage } from "./storage_pb";');
    expect(js).toContain(
      'import { multicastCall, oneWayHandler, quorumCall, quorumCallStream, rpcCall, streamHandler, twoWayHandler, unicastCall, unimplementedHandler } from "@gorums/runtime";',
    );
    expect(js).toContain("export function readQC(ctx, req, opts) {");
    expect(js).toContain("return quorumCall(ctx, Storage.method.readQC, req, opts);");
    expect(js).toContain("export function registerStorageServer(srv, impl) {");
    expect(registrations(jsText)).toContain(
      'srv.registerHandler(typeof impl.readCorrectable === "function" ? streamHandler(Storage.method.readCorrectable, impl.readCorrectable.bind(impl)) : unimplementedHandler(Storage.method.readCorrectable, "stream"));',
    );
    expect(js.some((l) => l.startsWith("import type") || l.includes("interface"))).toBe(false);
  });

  it("writes declarations with type-only imports", () => {
    const dts = trimmedLines(generatedFile(files, "gostorage/storage_gorums.d.ts"));
    expect(dts).toContain(
      "export declare function readQC(ctx: ConfigContext, req: MessageInitShape<typeof ReadRequestSchema>, opts?: CallOptions<ReadRequest, ReadResponse>): Responses<ReadResponse>;",
    );
    expect(dts).toContain(
      "export declare function writeMulticast(ctx: ConfigContext, req: MessageInitShape<typeof WriteRequestSchema>, opts?: CallOptions<WriteRequest, Empty>): Promise<void>;",
    );
    expect(dts).toContain("export interface StorageServer {");
    expect(dts).toContain("export declare function registerStorageServer(srv: Server, impl: Partial<StorageServer>): void;");
    expect(dts.filter((l) => l.startsWith("import ")).every((l) => l.startsWith("import type "))).toBe(true);
    expect(dts.some((l) => l.includes("return "))).toBe(false);
  });
});

describe("import_extension", () => {
  const importOfPb = (parameter: string, name: string) =>
    trimmedLines(generatedFile(runPlugin(requestFromDir(testProtoDir, ["gostorage/storage.proto"], parameter)), name)).find((l) =>
      l.startsWith("import { Storage }"),
    );

  it("rewrites the _pb import like protoc-gen-es does", () => {
    expect(importOfPb("target=ts", "gostorage/storage_gorums.ts")).toBe('import { Storage } from "./storage_pb";');
    expect(importOfPb("target=ts,import_extension=js", "gostorage/storage_gorums.ts")).toBe('import { Storage } from "./storage_pb.js";');
    expect(importOfPb("target=ts,import_extension=ts", "gostorage/storage_gorums.ts")).toBe('import { Storage } from "./storage_pb.ts";');
    expect(importOfPb("target=js,import_extension=js", "gostorage/storage_gorums.js")).toBe('import { Storage } from "./storage_pb.js";');
  });

  it("never adds an extension to the runtime package import", () => {
    const ts = generatedFile(runPlugin(requestFromDir(testProtoDir, ["gostorage/storage.proto"], "target=ts,import_extension=js")), "gostorage/storage_gorums.ts");
    expect(ts).toContain('from "@gorums/runtime";');
  });
});

describe("several services per file (multi.proto)", () => {
  const text = generatedFile(runPlugin(requestFromDir(testProtoDir, allTestProtos, "target=ts,import_extension=js")), "multi/multi_gorums.ts");
  const lines = trimmedLines(text);

  it("generates functions, an interface and a register function per service", () => {
    for (const line of [
      "export function get(ctx: ConfigContext, req: MessageInitShape<typeof EmptySchema>, opts?: CallOptions<Empty, Value>): Responses<Value> {",
      "export function set(ctx: ConfigContext, req: MessageInitShape<typeof ValueSchema>, opts?: CallOptions<Value, Empty>): Promise<void> {",
      "export interface RegisterServer {",
      "export function registerRegisterServer(srv: Server, impl: Partial<RegisterServer>): void {",
      "export interface WatcherServer {",
      "export function registerWatcherServer(srv: Server, impl: Partial<WatcherServer>): void {",
    ]) {
      expect(lines).toContain(line);
    }
    // Each handler carries its method descriptor: the Server registers it under the method's wire name.
    expect(registrations(text).map((r) => /\? \w+\(([\w.]+),/.exec(r)?.[1])).toEqual(
      ["Register.method.get", "Register.method.set", "Register.method.quorumCall", "Register.method.delete", "Watcher.method.watch", "Watcher.method.ping"],
    );
    expect(registrations(text)).toContain(
      'srv.registerHandler(typeof impl.ping === "function" ? twoWayHandler(Watcher.method.ping, impl.ping.bind(impl)) : unimplementedHandler(Watcher.method.ping, "twoway"));',
    );
  });

  it("imports message types from other files, nested messages and well-known types", () => {
    expect(lines).toContain('import type { Value, Value_Meta, Value_MetaSchema, ValueSchema } from "./types_pb.js";');
    expect(lines).toContain('import type { Empty, EmptySchema } from "@bufbuild/protobuf/wkt";');
    expect(lines).toContain(
      "export function quorumCall(ctx: ConfigContext, req: MessageInitShape<typeof Value_MetaSchema>, opts?: CallOptions<Value_Meta, Value_Meta>): Responses<Value_Meta> {",
    );
  });

  it("aliases imports whose names clash with generated or other imported names", () => {
    expect(lines).toContain(
      'import { multicastCall, oneWayHandler, quorumCall as quorumCall$1, quorumCallStream, rpcCall, streamHandler, twoWayHandler, unicastCall, unimplementedHandler } from "@gorums/runtime";',
    );
    expect(lines).toContain("return quorumCall$1(ctx, Register.method.quorumCall, req, opts);");
    expect(lines).toContain('import type { Responses as Responses$1, ResponsesSchema, Server as Server$1, ServerSchema } from "./multi_pb.js";');
    expect(lines).toContain(
      "export function watch(ctx: ConfigContext, req: MessageInitShape<typeof ServerSchema>, opts?: CallOptions<Server$1, Responses$1>): Responses<Responses$1> {",
    );
  });

  it("suffixes a reserved word with $ for the function, keeping localName for the method", () => {
    expect(lines).toContain(
      "export function delete$(ctx: NodeContext, req: MessageInitShape<typeof EmptySchema>, opts?: CallOptions<Empty, Empty>): Promise<void> {",
    );
    expect(lines).toContain("return unicastCall(ctx, Register.method.delete, req, opts);");
    expect(lines).toContain("delete(ctx: ServerCtx, req: Empty): void | Promise<void>;");
    expect(registrations(text)).toContain(
      'srv.registerHandler(typeof impl.delete === "function" ? oneWayHandler(Register.method.delete, impl.delete.bind(impl)) : unimplementedHandler(Register.method.delete, "oneway"));',
    );
  });

  it("keeps trailing comments and marks deprecated methods", () => {
    expect(lines).toContain("* Ping is a plain rpc with a trailing comment.");
    const at = lines.indexOf("* @generated from rpc multi.Register.Delete");
    expect(lines[at + 1]).toBe("* @deprecated");
  });
});

describe("files and options", () => {
  it("writes nothing for a file without services", () => {
    const files = runPlugin(requestFromDir(testProtoDir, ["multi/types.proto"], "target=ts"));
    expect(files.size).toBe(0);
  });

  it("generates byte-identical output twice", () => {
    const run = () =>
      toBinary(CodeGeneratorResponseSchema, protocGenGorumsTs.run(requestFromDir(testProtoDir, allTestProtos, "target=ts+js+dts")));
    expect(Buffer.from(run()).equals(Buffer.from(run()))).toBe(true);
  });

  it("refuses unknown options, naming them", () => {
    const req = requestFromDir(testProtoDir, ["gostorage/storage.proto"], "target=ts,quorum=2");
    expect(() => protocGenGorumsTs.run(req)).toThrow(/invalid option "quorum=2".*no option "quorum"/);
  });

  it("refuses an unknown target", () => {
    const req = requestFromDir(testProtoDir, ["gostorage/storage.proto"], "target=go");
    expect(() => protocGenGorumsTs.run(req)).toThrow('invalid option "target=go"');
  });

  it("supports js_import_style=legacy_commonjs for the js target", () => {
    const js = generatedFile(runPlugin(requestFromDir(testProtoDir, ["gostorage/storage.proto"], "target=js,js_import_style=legacy_commonjs")), "gostorage/storage_gorums.js");
    expect(js).toContain('const { Storage } = require("./storage_pb");');
    expect(js).toContain("exports.readQC = readQC;");
  });

  it("generates a service without methods as an empty interface and a register function", () => {
    const req = requestFromSources({ "empty.proto": 'syntax = "proto3";\npackage e;\nservice Idle {}\n' }, "target=ts");
    const lines = trimmedLines(generatedFile(runPlugin(req), "empty_gorums.ts"));
    expect(lines).toContain("export interface IdleServer {");
    expect(lines).toContain("export function registerIdleServer(srv: Server, impl: Partial<IdleServer>): void {");
  });
});
