// Message types built at run time for the payload decoder's tests: a proto2
// message without groups (the committed codec2.Legacy has one, so the decoder
// leaves it to fromBinary), and proto3 messages with well-known types.
import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import {
  file_google_protobuf_struct,
  file_google_protobuf_wrappers,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

const optional = Label.OPTIONAL;

const file = create(FileDescriptorProtoSchema, {
  name: "closed/closed.proto",
  package: "closed",
  syntax: "proto2",
  enumType: [{ name: "Level", value: [{ name: "LEVEL_LOW", number: 1 }, { name: "LEVEL_HIGH", number: 2 }] }],
  messageType: [
    {
      name: "Closed",
      field: [
        { name: "level", number: 1, label: optional, type: Type.ENUM, typeName: ".closed.Level" },
        { name: "levels", number: 2, label: Label.REPEATED, type: Type.ENUM, typeName: ".closed.Level" },
        { name: "name", number: 3, label: optional, type: Type.STRING, defaultValue: "none" },
        { name: "count", number: 4, label: optional, type: Type.INT64, defaultValue: "-5" },
        { name: "child", number: 5, label: optional, type: Type.MESSAGE, typeName: ".closed.Closed" },
        { name: "pick", number: 6, label: optional, type: Type.ENUM, typeName: ".closed.Level", oneofIndex: 0 },
        { name: "blob", number: 7, label: optional, type: Type.BYTES, defaultValue: "abc" },
      ],
      oneofDecl: [{ name: "choice" }],
      extensionRange: [{ start: 100, end: 200 }],
    },
  ],
});

/** closed.Closed: proto2 with closed enums, defaults and extension ranges. */
export const ClosedSchema: DescMessage = createFileRegistry(file, () => undefined).getMessage("closed.Closed")!;

const wkt = create(FileDescriptorProtoSchema, {
  name: "wkt/wkt.proto",
  package: "wkt",
  syntax: "proto3",
  dependency: ["google/protobuf/wrappers.proto", "google/protobuf/struct.proto"],
  messageType: [
    { name: "Wrapped", field: [{ name: "n", number: 1, label: optional, type: Type.MESSAGE, typeName: ".google.protobuf.Int32Value" }] },
    { name: "Parent", field: [{ name: "child", number: 1, label: Label.REPEATED, type: Type.MESSAGE, typeName: ".wkt.Wrapped" }] },
    {
      name: "WrappedInOneof",
      field: [{ name: "n", number: 1, label: optional, type: Type.MESSAGE, typeName: ".google.protobuf.Int32Value", oneofIndex: 0 }],
      oneofDecl: [{ name: "o" }],
    },
    { name: "Structured", field: [{ name: "s", number: 1, label: optional, type: Type.MESSAGE, typeName: ".google.protobuf.Struct" }] },
  ],
});
const wktRegistry = createFileRegistry(wkt, (name) =>
  name === "google/protobuf/wrappers.proto" ? file_google_protobuf_wrappers : name === "google/protobuf/struct.proto" ? file_google_protobuf_struct : undefined,
);

/** wkt.Wrapped: a singular wrapper field (unwrapped by protobuf-es). */
export const WrappedSchema: DescMessage = wktRegistry.getMessage("wkt.Wrapped")!;
/** wkt.Parent: a list of wkt.Wrapped. */
export const ParentSchema: DescMessage = wktRegistry.getMessage("wkt.Parent")!;
/** wkt.WrappedInOneof: a wrapper in a oneof (kept as a message). */
export const WrappedInOneofSchema: DescMessage = wktRegistry.getMessage("wkt.WrappedInOneof")!;
/** wkt.Structured: a google.protobuf.Struct field (kept as a JSON object). */
export const StructuredSchema: DescMessage = wktRegistry.getMessage("wkt.Structured")!;
