/**
 * Which message types the payload encoder writes itself. The others go to
 * toBinary whole: a type falls back when any field of it, or of a message
 * type it reaches through its fields, is of a kind the encoder leaves to
 * protobuf-es. Those are the fields whose JavaScript value is not the
 * message itself (localMessageMapper in protobuf-es's reflect/message.js):
 * - a singular wrapper field outside a oneof (google.protobuf.Int32Value
 *   and the like), held as the unwrapped scalar;
 * - a google.protobuf.Struct field (outside google.protobuf.Value), held as
 *   a JSON object.
 */
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

// google.protobuf.FeatureSet.FieldPresence.IMPLICIT
const IMPLICIT = 2;

/** Why the encoder leaves `field` to toBinary, or undefined when it writes it. */
export function unsupportedBecause(field: DescField): string | undefined {
  const child = field.message;
  if (child === undefined) {
    return undefined;
  }
  if (child.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value") {
    return "a google.protobuf.Struct field is held as a JSON object";
  }
  if (field.fieldKind === "message") {
    if (field.oneof === undefined && isWrapperDesc(child)) {
      return "a wrapper field is held as its unwrapped value";
    }
    if (field.presence === IMPLICIT) {
      return "a message field with implicit presence";
    }
  }
  return undefined;
}

/** The first field, in `desc` or a message type it reaches, that the encoder leaves to toBinary. */
export function firstUnsupported(desc: DescMessage): DescField | undefined {
  const seen = new Set<DescMessage>([desc]);
  const todo = [desc];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    for (const field of next.fields) {
      if (unsupportedBecause(field) !== undefined) {
        return field;
      }
      if (field.message !== undefined && !seen.has(field.message)) {
        seen.add(field.message);
        todo.push(field.message);
      }
    }
  }
  return undefined;
}
