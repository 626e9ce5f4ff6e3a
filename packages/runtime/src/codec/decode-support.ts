import type { DescField, DescMessage } from "@bufbuild/protobuf";

/**
 * Whether the payload decoder reads this message type itself, and every
 * message type reachable from its fields; else fromBinary decodes it. Not
 * read: google.protobuf.Struct fields (kept as JSON objects).
 */
export function decoderSupports(desc: DescMessage, seen: Set<DescMessage> = new Set()): boolean {
  if (seen.has(desc)) return true;
  seen.add(desc);
  for (const field of desc.fields) {
    const child = childMessage(field);
    if (child === undefined) continue;
    if (child.typeName === "google.protobuf.Struct") return false;
    if (!decoderSupports(child, seen)) return false;
  }
  return true;
}

/** The message type of a message, message-list or message-map field. */
function childMessage(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}
