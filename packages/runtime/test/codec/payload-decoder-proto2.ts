// A proto2 message without groups, built at run time: closed enums (singular,
// repeated, in a oneof), defaults on the prototype, extension ranges; the
// committed codec2.Legacy has a group, so the decoder leaves it to fromBinary.
import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import {
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
