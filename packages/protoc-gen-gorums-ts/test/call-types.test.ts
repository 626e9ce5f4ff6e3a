import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packageDir, testProtoDir } from "./support/paths.js";
import { requestFromDir } from "./support/request.js";
import { generatedFile, registrations, runPlugin, trimmedLines } from "./support/run.js";

/** Generated storage_gorums.ts for the Go-shaped storage.proto: its text, and its lines trimmed. */
let storageText: string;
let storage: string[];

beforeAll(() => {
  const req = requestFromDir(testProtoDir, ["gostorage/storage.proto"], "target=ts,import_extension=js");
  storageText = generatedFile(runPlugin(req), "gostorage/storage_gorums.ts");
  storage = trimmedLines(storageText);
});

describe("a proto written for Go Gorums (storage.proto)", () => {
  it("writes only gostorage/storage_gorums.ts", () => {
    const req = requestFromDir(testProtoDir, ["gostorage/storage.proto"], "target=ts");
    expect([...runPlugin(req).keys()]).toEqual(["gostorage/storage_gorums.ts"]);
  });

  it("imports the service descriptor and message types from storage_pb, and the runtime by name", () => {
    expect(storage).toContain('import { Storage } from "./storage_pb.js";');
    expect(storage).toContain(
      'import type { ReadRequest, ReadRequestSchema, ReadResponse, ReadResponseSchema, WriteRequest, WriteRequestSchema, WriteResponse, WriteResponseSchema } from "./storage_pb.js";',
    );
    expect(storage).toContain(
      'import type { CallOptions, ConfigContext, NodeContext, Responses, Server, ServerCtx } from "@gorums/runtime";',
    );
    expect(storage).toContain(
      'import { multicastCall, oneWayHandler, quorumCall, quorumCallStream, rpcCall, streamHandler, twoWayHandler, unicastCall, unimplementedHandler } from "@gorums/runtime";',
    );
    expect(storage).toContain('import type { MessageInitShape } from "@bufbuild/protobuf";');
    expect(storage).toContain('import type { Empty } from "@bufbuild/protobuf/wkt";');
  });

  it("generates an rpc for a method without option and for gorums.rpc", () => {
    expect(storage).toContain(
      "export function readRPC(ctx: NodeContext, req: MessageInitShape<typeof ReadRequestSchema>, opts?: CallOptions<ReadRequest, ReadResponse>): Promise<ReadResponse> {",
    );
    expect(storage).toContain("return rpcCall(ctx, Storage.method.readRPC, req, opts);");
    expect(storage).toContain(
      "export function writeRPC(ctx: NodeContext, req: MessageInitShape<typeof WriteRequestSchema>, opts?: CallOptions<WriteRequest, WriteResponse>): Promise<WriteResponse> {",
    );
    expect(storage).toContain("return rpcCall(ctx, Storage.method.writeRPC, req, opts);");
  });

  it("generates a unicast", () => {
    expect(storage).toContain(
      "export function writeUnicast(ctx: NodeContext, req: MessageInitShape<typeof WriteRequestSchema>, opts?: CallOptions<WriteRequest, Empty>): Promise<void> {",
    );
    expect(storage).toContain("return unicastCall(ctx, Storage.method.writeUnicast, req, opts);");
  });

  it("generates a multicast", () => {
    expect(storage).toContain(
      "export function writeMulticast(ctx: ConfigContext, req: MessageInitShape<typeof WriteRequestSchema>, opts?: CallOptions<WriteRequest, Empty>): Promise<void> {",
    );
    expect(storage).toContain("return multicastCall(ctx, Storage.method.writeMulticast, req, opts);");
  });

  it("generates a quorum call", () => {
    expect(storage).toContain(
      "export function readQC(ctx: ConfigContext, req: MessageInitShape<typeof ReadRequestSchema>, opts?: CallOptions<ReadRequest, ReadResponse>): Responses<ReadResponse> {",
    );
    expect(storage).toContain("return quorumCall(ctx, Storage.method.readQC, req, opts);");
    expect(storage).toContain("return quorumCall(ctx, Storage.method.writeNestedMulticast, req, opts);");
  });

  it("generates a streaming quorum call for quorumcall + server streaming", () => {
    expect(storage).toContain(
      "export function readCorrectable(ctx: ConfigContext, req: MessageInitShape<typeof ReadRequestSchema>, opts?: CallOptions<ReadRequest, ReadResponse>): Responses<ReadResponse> {",
    );
    expect(storage).toContain("return quorumCallStream(ctx, Storage.method.readCorrectable, req, opts);");
  });

  it("generates the server interface with one typed handler per method", () => {
    const start = storage.indexOf("export interface StorageServer {");
    expect(start).toBeGreaterThan(0);
    const body = storage.slice(start, storage.indexOf("}", start) + 1).filter((l) => !l.startsWith("*") && !l.startsWith("/**"));
    expect(body.filter((l) => l.length > 0)).toEqual([
      "export interface StorageServer {",
      "readRPC(ctx: ServerCtx, req: ReadRequest): MessageInitShape<typeof ReadResponseSchema> | Promise<MessageInitShape<typeof ReadResponseSchema>>;",
      "writeRPC(ctx: ServerCtx, req: WriteRequest): MessageInitShape<typeof WriteResponseSchema> | Promise<MessageInitShape<typeof WriteResponseSchema>>;",
      "writeUnicast(ctx: ServerCtx, req: WriteRequest): void | Promise<void>;",
      "writeMulticast(ctx: ServerCtx, req: WriteRequest): void | Promise<void>;",
      "readQC(ctx: ServerCtx, req: ReadRequest): MessageInitShape<typeof ReadResponseSchema> | Promise<MessageInitShape<typeof ReadResponseSchema>>;",
      "writeQC(ctx: ServerCtx, req: WriteRequest): MessageInitShape<typeof WriteResponseSchema> | Promise<MessageInitShape<typeof WriteResponseSchema>>;",
      "readNestedQC(ctx: ServerCtx, req: ReadRequest): MessageInitShape<typeof ReadResponseSchema> | Promise<MessageInitShape<typeof ReadResponseSchema>>;",
      "writeNestedMulticast(ctx: ServerCtx, req: WriteRequest): MessageInitShape<typeof WriteResponseSchema> | Promise<MessageInitShape<typeof WriteResponseSchema>>;",
      "readCorrectable(ctx: ServerCtx, req: ReadRequest, send: (resp: MessageInitShape<typeof ReadResponseSchema>) => Promise<boolean>): void | Promise<unknown>;",
      "}",
    ]);
  });

  it("registers a handler per method, carrying its descriptor (the Server keys it by its wire name pkg.Service.Method): impl's own bound to it, a missing one as unimplemented", () => {
    const start = storage.indexOf("export function registerStorageServer(srv: Server, impl: Partial<StorageServer>): void {");
    expect(start).toBeGreaterThan(0);
    const registration = (method: string, localName: string, handler: string, kind: string) =>
      `srv.registerHandler(typeof impl.${localName} === "function" ? ` +
      `${handler}(Storage.method.${localName}, impl.${localName}.bind(impl)) : unimplementedHandler(Storage.method.${localName}, "${kind}"));`;
    expect(registrations(storageText)).toEqual([
      registration("ReadRPC", "readRPC", "twoWayHandler", "twoway"),
      registration("WriteRPC", "writeRPC", "twoWayHandler", "twoway"),
      registration("WriteUnicast", "writeUnicast", "oneWayHandler", "oneway"),
      registration("WriteMulticast", "writeMulticast", "oneWayHandler", "oneway"),
      registration("ReadQC", "readQC", "twoWayHandler", "twoway"),
      registration("WriteQC", "writeQC", "twoWayHandler", "twoway"),
      registration("ReadNestedQC", "readNestedQC", "twoWayHandler", "twoway"),
      registration("WriteNestedMulticast", "writeNestedMulticast", "twoWayHandler", "twoway"),
      registration("ReadCorrectable", "readCorrectable", "streamHandler", "stream"),
    ]);
    // Nothing else in the function body.
    const body = storage.slice(start + 1, storage.indexOf("}", start));
    expect(body.length).toBe(9 * 3);
  });

  it("turns proto comments into doc comments on the client function and the handler", () => {
    const docOf = (line: string) => {
      const end = storage.indexOf(line);
      expect(end).toBeGreaterThan(0);
      let start = end;
      while (storage[start] !== "/**") {
        start--;
      }
      return storage.slice(start, end);
    };
    expect(docOf("export function readQC(ctx: ConfigContext, req: MessageInitShape<typeof ReadRequestSchema>, opts?: CallOptions<ReadRequest, ReadResponse>): Responses<ReadResponse> {")).toEqual([
      "/**",
      "* ReadQC executes a Read quorum call on a configuration of nodes and",
      "* returns the most recent value.",
      "*",
      "* Gorums quorum call: a two-way call to every node of the configuration of ctx. Nothing is sent until the responses are consumed.",
      "*",
      "* @generated from rpc gostorage.proto3.Storage.ReadQC",
      "*/",
    ]);
    expect(docOf("writeUnicast(ctx: ServerCtx, req: WriteRequest): void | Promise<void>;")).toEqual([
      "/**",
      "* WriteUnicast executes a one-way Write unicast call on a single node.",
      "* It does not wait for a response.",
      "*",
      "* @generated from rpc gostorage.proto3.Storage.WriteUnicast",
      "*/",
    ]);
    expect(docOf("export interface StorageServer {")).toContain("* Storage is a simple key-value storage service.");
  });
});

describe("a proto importing Go Gorums' edition-2023 gorums.proto", () => {
  it("generates the same client functions, interface and register function as against proto/gorums.proto", () => {
    const fixture = join(packageDir, "test", "fixtures", "go-gorums");
    const req = requestFromDir(fixture, ["storage.proto"], "target=ts,import_extension=js");
    const text = generatedFile(runPlugin(req), "storage_gorums.ts");
    const lines = trimmedLines(text);
    expect(lines).toContain(
      "export function readRPC(ctx: NodeContext, req: MessageInitShape<typeof ReadRequestSchema>, opts?: CallOptions<ReadRequest, ReadResponse>): Promise<ReadResponse> {",
    );
    expect(lines).toContain("return unicastCall(ctx, Storage.method.writeUnicast, req, opts);");
    expect(lines).toContain("return multicastCall(ctx, Storage.method.writeMulticast, req, opts);");
    expect(lines).toContain("return quorumCall(ctx, Storage.method.readQC, req, opts);");
    expect(lines).toContain("return quorumCallStream(ctx, Storage.method.readCorrectable, req, opts);");
    expect(registrations(text)).toContain(
      'srv.registerHandler(typeof impl.readCorrectable === "function" ? streamHandler(Storage.method.readCorrectable, impl.readCorrectable.bind(impl)) : unimplementedHandler(Storage.method.readCorrectable, "stream"));',
    );
    expect(lines).toContain("// @generated from file storage.proto (package storage, edition 2023)");
  });
});

describe("an edition-2024 proto in the style of Go Gorums' current storage example", () => {
  it("generates", () => {
    const fixture = join(packageDir, "test", "fixtures", "go-gorums");
    const req = requestFromDir(fixture, ["storage2024.proto"], "target=ts,import_extension=js");
    const text = generatedFile(runPlugin(req), "storage2024_gorums.ts");
    const lines = trimmedLines(text);
    expect(lines).toContain("// @generated from file storage2024.proto (package proto, edition 2024)");
    expect(lines).toContain("return rpcCall(ctx, KV.method.readRPC, req, opts);");
    expect(lines).toContain("return multicastCall(ctx, KV.method.writeMulticast, req, opts);");
    expect(registrations(text)).toContain(
      'srv.registerHandler(typeof impl.readCorrectable === "function" ? streamHandler(KV.method.readCorrectable, impl.readCorrectable.bind(impl)) : unimplementedHandler(KV.method.readCorrectable, "stream"));',
    );
  });
});
