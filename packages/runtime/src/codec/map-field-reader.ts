import { type DescField, ScalarType } from "@bufbuild/protobuf";
import { scalarZeroValue } from "@bufbuild/protobuf/reflect";
import { fallBack } from "./decode-fallback.js";
import type { FieldReader, MessageBodyReader, ReaderOf } from "./reader-types.js";
import { scalarReader, scalarWireType } from "./scalar-readers.js";
import { type WireReader, recursionLimit, wireLengthDelimited, wireVarint } from "./wire-reader.js";
import type { LooseMessage } from "./zero-message.js";

/** A map field: one entry per occurrence, the last value of a key wins. */
export function mapFieldReader(field: DescField & { fieldKind: "map" }, readerOf: ReaderOf): FieldReader {
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
