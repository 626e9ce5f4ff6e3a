import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { scalarZeroValue } from "@bufbuild/protobuf/reflect";
import { fallBack } from "./decode-fallback.js";
import { scalarReader, scalarWireType } from "./scalar-readers.js";
import { type WireReader, recursionLimit, wireLengthDelimited, wireVarint } from "./wire-reader.js";
import type { LooseMessage, ZeroMessage } from "./zero-message.js";

/** Reads one occurrence of a field (its tag already read) into a message. */
export type FieldReader = (message: LooseMessage, r: WireReader, wireType: number) => void;

/** The compiled reader of one message type, as field readers use it. */
export interface MessageBodyReader {
  /** A zero message of the type. */
  readonly zero: ZeroMessage;
  /** Reads length bytes of fields into message. */
  read(message: LooseMessage, r: WireReader, length: number): void;
}

/** Finds the compiled reader of a message type. */
export type ReaderOf = (desc: DescMessage) => MessageBodyReader;

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
      return mapField(field, readerOf);
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

/** A singular message field: a repeated occurrence merges into the first. */
function messageField(field: DescField & { fieldKind: "message" }, readerOf: ReaderOf): FieldReader {
  const name = field.localName;
  const desc = field.message;
  let child: MessageBodyReader | undefined;
  if (field.oneof !== undefined) {
    const oneof = field.oneof.localName;
    return (m, r, wt) => {
      if (wt !== wireLengthDelimited) fallBack();
      child ??= readerOf(desc);
      const current = m[oneof];
      const value = current.case === name ? current.value : child.zero();
      child.read(value, r, r.uint32());
      m[oneof] = { case: name, value };
    };
  }
  return (m, r, wt) => {
    if (wt !== wireLengthDelimited) fallBack();
    child ??= readerOf(desc);
    const value = m[name] ?? child.zero();
    child.read(value, r, r.uint32());
    m[name] = value;
  };
}

/** A repeated message field. */
function messageList(field: DescField & { fieldKind: "list" }, readerOf: ReaderOf): FieldReader {
  const name = field.localName;
  const desc = field.message!;
  let child: MessageBodyReader | undefined;
  return (m, r, wt) => {
    if (wt !== wireLengthDelimited) fallBack();
    child ??= readerOf(desc);
    const value = child.zero();
    child.read(value, r, r.uint32());
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

/** A map field: one entry per occurrence, the last value of a key wins. */
function mapField(field: DescField & { fieldKind: "map" }, readerOf: ReaderOf): FieldReader {
  const name = field.localName;
  const readKey = scalarReader(field.mapKey, field.utf8Validation, false);
  const keyWire = scalarWireType(field.mapKey);
  const keyZero = scalarZeroValue(field.mapKey, false);
  const readValue = mapValueReader(field, readerOf);
  return (m, r, wt) => {
    if (wt !== wireLengthDelimited) fallBack();
    const record = m[name];
    let key: unknown;
    let val: unknown;
    const len = r.uint32();
    const end = r.pos + len;
    while (r.pos < end) {
      const tag = r.tag();
      switch (tag >>> 3) {
        case 1:
          if ((tag & 7) !== keyWire) fallBack();
          key = readKey(r);
          break;
        case 2:
          val = readValue.read(r, tag & 7, val);
          break;
        default:
          r.skip(tag & 7, tag >>> 3, recursionLimit - r.depth);
      }
    }
    if (key === undefined) key = keyZero;
    if (val === undefined) val = readValue.zero();
    setOwn(record, String(key), val);
  };
}

/** Reads and defaults the values of a map field. */
interface MapValueReader {
  /** Reads a value with this wire type; a message merges into existing. */
  read(r: WireReader, wireType: number, existing: unknown): unknown;
  /** The value of an entry without one. */
  zero(): unknown;
}

/** The value reader of a map field, as protobuf-es reads map values. */
function mapValueReader(field: DescField & { fieldKind: "map" }, readerOf: ReaderOf): MapValueReader {
  switch (field.mapKind) {
    case "scalar": {
      const read = scalarReader(field.scalar, field.utf8Validation, false);
      const wire = scalarWireType(field.scalar);
      const zero = field.scalar === ScalarType.BYTES ? () => new Uint8Array(0) : constant(scalarZeroValue(field.scalar, false));
      return {
        read: (r, wt) => {
          if (wt !== wire) fallBack();
          return read(r);
        },
        zero,
      };
    }
    case "enum":
      return {
        read: (r, wt) => {
          if (wt !== wireVarint) fallBack();
          return r.int32();
        },
        zero: constant(field.enum.values[0]!.number),
      };
    case "message": {
      const desc = field.message;
      let child: MessageBodyReader | undefined;
      return {
        read: (r, wt, existing) => {
          if (wt !== wireLengthDelimited) fallBack();
          child ??= readerOf(desc);
          const value = (existing as LooseMessage | undefined) ?? child.zero();
          child.read(value, r, r.uint32());
          return value;
        },
        zero: () => (child ??= readerOf(desc)).zero(),
      };
    }
  }
}

/** A function returning value. */
function constant(value: unknown): () => unknown {
  return () => value;
}

/** Sets a property, "__proto__" as an own data property (protobuf-es's setOwn). */
function setOwn(obj: LooseMessage, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
