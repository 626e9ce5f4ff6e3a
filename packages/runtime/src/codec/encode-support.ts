/**
 * Which message types the payload encoder writes itself. The others go to
 * toBinary whole: a type falls back when any field of it, or of a message
 * type it reaches through its fields, is of a kind the encoder leaves to
 * protobuf-es:
 * - a google.protobuf.Struct field (outside google.protobuf.Value), held as
 *   a JSON object (localMessageMapper in protobuf-es's reflect/message.js);
 * - a message field with implicit presence, which no valid descriptor has
 *   (toBinary tests it for `!= 0`, as an integer).
 * A singular wrapper field outside a oneof (google.protobuf.Int32Value and
 * the like), held as its unwrapped value, the encoder writes itself
 * (encode-message.ts).
 */
import type { DescField, DescMessage } from "@bufbuild/protobuf";

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
