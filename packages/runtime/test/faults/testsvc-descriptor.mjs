// The testsvc.TestService descriptor (testsvc.proto's method names and
// wire shapes), built at runtime for the child processes that run on the
// built runtime with plain node (no TypeScript loader, no generated code).
import { create, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

// testsvc.Request / testsvc.Response / testsvc.TestService, built at runtime.
const fields = [
  { name: "value", number: 1, label: 1, type: 9, jsonName: "value" },
  { name: "num", number: 2, label: 1, type: 3, jsonName: "num" },
];
const rpc = (name, serverStreaming = false, output = ".testsvc.Response") => ({ name, inputType: ".testsvc.Request", outputType: output, serverStreaming });
const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "faults/testsvc.proto",
    package: "testsvc",
    syntax: "proto3",
    messageType: [
      { name: "Request", field: fields },
      { name: "Response", field: fields },
      { name: "Empty" },
    ],
    service: [
      {
        name: "TestService",
        method: [rpc("Echo"), rpc("EchoRPC"), rpc("EchoQC"), rpc("EchoStream", true), rpc("Write", false, ".testsvc.Empty"), rpc("WriteUnicast", false, ".testsvc.Empty")],
      },
    ],
  }),
  () => undefined,
);
export const svc = registry.getService("testsvc.TestService");
export const method = (name) => svc.methods.find((m) => m.name === name);
