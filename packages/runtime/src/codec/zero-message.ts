import { create, type DescMessage } from "@bufbuild/protobuf";

/** A message under construction: its properties are set by field number. */
export type LooseMessage = Record<string, any>;

/** Makes one zero message of a type, as create(schema) makes it. */
export type ZeroMessage = () => LooseMessage;

/**
 * Compiles a factory of zero messages equal to create(schema)'s: the same
 * own properties in the same order, the same shared zero constants, and a
 * fresh array, object or `{ case: undefined }` per list, map and oneof.
 * Messages that keep defaults on a prototype (proto2, editions with
 * explicit presence) are left to create() itself, which owns that prototype.
 */
export function compileZeroMessage(desc: DescMessage): ZeroMessage {
  const template = create(desc) as LooseMessage;
  if (Object.getPrototypeOf(template) !== Object.prototype) {
    return () => create(desc) as LooseMessage;
  }
  const lists: string[] = [];
  const maps: string[] = [];
  const oneofs: string[] = [];
  for (const member of desc.members) {
    if (member.kind === "oneof") oneofs.push(member.localName);
    else if (member.fieldKind === "list") lists.push(member.localName);
    else if (member.fieldKind === "map") maps.push(member.localName);
  }
  if (lists.length + maps.length + oneofs.length === 0) {
    return () => ({ ...template });
  }
  return () => {
    const message = { ...template };
    for (let i = 0; i < lists.length; i++) message[lists[i]!] = [];
    for (let i = 0; i < maps.length; i++) message[maps[i]!] = {};
    for (let i = 0; i < oneofs.length; i++) message[oneofs[i]!] = { case: undefined };
    return message;
  };
}
