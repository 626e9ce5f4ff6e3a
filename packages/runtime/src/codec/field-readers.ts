import { type DescField, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { fallBack } from "./decode-fallback.js";
import { mapFieldReader } from "./map-field-reader.js";
import type { FieldReader, MessageBodyReader, ReaderOf } from "./reader-types.js";
import type { LooseMessage } from "./zero-message.js";
import { scalarReader, scalarWireType } from "./scalar-readers.js";
import { type WireReader, wireLengthDelimited, wireStartGroup, wireVarint } from "./wire-reader.js";

/**
 * Compiles the reader of one field, mirroring protobuf-es's compiled field
 * readers value for value. A wire type other than the one protobuf-es
 * writes for the field (or packed, for packable lists) falls back.
 */
export function compileFieldReader(field: DescField, readerOf: ReaderOf): FieldReader {
  switch (field.fieldKind) {
    case "scalar":
      return singular(field, scalarReader(field.scalar, field.utf8Validation, field.longAsString), scalarWireType(field.scalar));
    case "enum":
      return field.enum.open ? singular(field, (r) => r.int32(), wireVarint) : closedEnum(field);
    case "message":
      return messageField(field, readerOf);
    case "list":
      return field.listKind === "message" ? messageList(field, readerOf) : scalarList(field);
    case "map":
      return mapFieldReader(field, readerOf);
  }
}

/** A singular scalar or open enum field, in a oneof or not. */
function singular(field: DescField, read: (r: WireReader) => unknown, wire: number): FieldReader {
  const name = field.localName;
  if (field.oneof !== undefined) {
    const oneof = field.oneof.localName;
    return (m, r, wt) => {
      if (wt !== wire) fallBack();
      m[oneof] = { case: name, value: read(r) };
    };
  }
  return (m, r, wt) => {
    if (wt !== wire) fallBack();
    m[name] = read(r);
  };
}

/**
 * A closed enum: a known value is set, an unknown one is kept in $unknown
 * as protobuf-es keeps it (its own list, replaced by the message's list of
 * unknown fields if that has any).
 */
function closedEnum(field: DescField & { fieldKind: "enum" }): FieldReader {
  const name = field.localName;
  const oneof = field.oneof?.localName;
  const known = new Set(field.enum.values.map((v) => v.number));
  const no = field.number;
  return (m, r, wt) => {
    if (wt !== wireVarint) fallBack();
    const val = r.int32();
    if (known.has(val)) {
      if (oneof !== undefined) m[oneof] = { case: name, value: val };
      else m[name] = val;
      return;
    }
    const unknown = m.$unknown ?? [];
    unknown.push({ no, wireType: wt, data: varint32Bytes(val) });
    m.$unknown = unknown;
  };
}

/** A value as protobuf-es's varint32write() writes it (negatives in ten bytes). */
function varint32Bytes(value: number): Uint8Array {
  const bytes: number[] = [];
  if (value >>> 0 < 0x80) {
    bytes.push(value);
  } else if (value >= 0) {
    while (value > 0x7f) {
      bytes.push((value & 0x7f) | 0x80);
      value = value >>> 7;
    }
    bytes.push(value);
  } else {
    for (let i = 0; i < 9; i++) {
      bytes.push((value & 127) | 128);
      value = value >> 7;
    }
    bytes.push(1);
  }
  return new Uint8Array(bytes);
}

/** Reads a child message's body into value (wire type wt), as its field encodes it. */
type ChildBody = (child: MessageBodyReader, value: LooseMessage, r: WireReader, wt: number) => void;

/** The body reader of a message field: length-prefixed, or delimited (a group) up to its end tag. */
function childBody(field: DescField & { delimitedEncoding: boolean }): ChildBody {
  if (field.delimitedEncoding) {
    const no = field.number;
    return (child, value, r, wt) => {
      if (wt !== wireStartGroup) fallBack();
      child.readGroup(value, r, no);
    };
  }
  return (child, value, r, wt) => {
    if (wt !== wireLengthDelimited) fallBack();
    child.read(value, r, r.uint32());
  };
}

/** A singular message field (a wrapper unwrapped): a repeated occurrence merges into the first. */
function messageField(field: DescField & { fieldKind: "message" }, readerOf: ReaderOf): FieldReader {
  const name = field.localName;
  const desc = field.message;
  const body = childBody(field);
  let child: MessageBodyReader | undefined;
  if (field.oneof !== undefined) {
    const oneof = field.oneof.localName;
    return (m, r, wt) => {
      child ??= readerOf(desc);
      const current = m[oneof];
      const value = current.case === name ? current.value : child.zero();
      body(child, value, r, wt);
      m[oneof] = { case: name, value };
    };
  }
  if (isWrapperDesc(desc)) {
    // google/protobuf/wrappers.proto: the field holds the unwrapped value.
    const valueName = desc.fields[0]!.localName;
    return (m, r, wt) => {
      child ??= readerOf(desc);
      const wrapper = child.zero();
      const local = m[name];
      if (local !== undefined) wrapper[valueName] = local;
      body(child, wrapper, r, wt);
      m[name] = wrapper[valueName];
    };
  }
  return (m, r, wt) => {
    child ??= readerOf(desc);
    const value = m[name] ?? child.zero();
    body(child, value, r, wt);
    m[name] = value;
  };
}

/** A repeated message field. */
function messageList(field: DescField & { fieldKind: "list" }, readerOf: ReaderOf): FieldReader {
  const name = field.localName;
  const desc = field.message!;
  const body = childBody(field as DescField & { delimitedEncoding: boolean });
  let child: MessageBodyReader | undefined;
  return (m, r, wt) => {
    child ??= readerOf(desc);
    const value = child.zero();
    body(child, value, r, wt);
    m[name].push(value);
  };
}

/** A repeated scalar or enum field, packed or not (closed enums unchecked, as in protobuf-es). */
function scalarList(field: DescField & { fieldKind: "list" }): FieldReader {
  const name = field.localName;
  const type = field.listKind === "enum" ? ScalarType.INT32 : field.scalar!;
  const read = scalarReader(type, field.utf8Validation, field.listKind === "scalar" && field.longAsString);
  const wire = scalarWireType(type);
  const packable = wire !== wireLengthDelimited;
  return (m, r, wt) => {
    const items = m[name];
    if (wt === wireLengthDelimited && packable) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) items.push(read(r));
    } else {
      if (wt !== wire) fallBack();
      items.push(read(r));
    }
  };
}
