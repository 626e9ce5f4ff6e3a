/**
 * The map fields of the payload encoder, as protobuf-es's toBinary writes
 * them (compileMapField in to-binary.js): per key, in Object.keys order, an
 * entry with the key as field 1 and the value as field 2, both always
 * written, a message value always length-prefixed. Closures over the
 * field, called from the generated message encoders (encode-message.ts).
 */
import { type DescField, ScalarType } from "@bufbuild/protobuf";
import { scalarEncoder } from "./encode-scalars.js";
import { bail, type EncodeState } from "./encode-state.js";
import type { FieldEncoder, Fields, MessageEncoder } from "./encode-types.js";
import { tagOf, varint32Size, WIRE_LEN, writeVarint32 } from "./encode-wire.js";

/** Sizes and writes one value of a field, tag included. */
interface ValueEncoder {
  size(v: unknown, st: EncodeState): number;
  write(buf: Buffer, pos: number, v: unknown, st: EncodeState): number;
}

/** A message value as it is: anything else (protobuf-es writes an empty message for undefined) goes to toBinary. */
export function messageOf(v: unknown): Fields {
  return typeof v === "object" && v !== null ? (v as Fields) : bail();
}

function taggedScalar(fieldNo: number, type: ScalarType): ValueEncoder {
  const scalar = scalarEncoder(type);
  const tag = tagOf(fieldNo, scalar.wireType);
  const tagLen = varint32Size(tag);
  return {
    size: (v, st) => tagLen + scalar.size(v, st),
    write: (buf, pos, v, st) => scalar.write(buf, writeVarint32(buf, pos, tag), v, st),
  };
}

/** A map entry's message value: field 2, length-prefixed with its length from the size pass. */
function messageValue(child: MessageEncoder): ValueEncoder {
  const tag = tagOf(2, WIRE_LEN);
  return {
    size(v, st) {
      const slot = st.reserve();
      const len = child.size(messageOf(v), st);
      st.lens[slot] = len;
      return 1 + varint32Size(len) + len;
    },
    write(buf, pos, v, st) {
      pos = writeVarint32(buf, writeVarint32(buf, pos, tag), st.take());
      return child.write(v as Fields, buf, pos, st);
    },
  };
}

/** The encoder of a map field; `child` is the encoder of its message values, if they are messages. */
export function mapField(field: DescField & { fieldKind: "map" }, child: MessageEncoder | undefined): FieldEncoder {
  const name = field.localName;
  const tag = tagOf(field.number, WIRE_LEN);
  const tagLen = varint32Size(tag);
  const key = taggedScalar(1, field.mapKey);
  const toKey = keyConverter(field.mapKey);
  const value =
    field.mapKind === "message" && child !== undefined
      ? messageValue(child)
      : taggedScalar(2, field.mapKind === "enum" ? ScalarType.INT32 : (field.scalar as ScalarType));
  return {
    size(msg, st) {
      const record = msg[name];
      if (typeof record !== "object" || record === null) {
        bail();
      }
      const keys = Object.keys(record);
      let size = 0;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        const slot = st.reserve();
        const len = key.size(toKey(k), st) + value.size((record as Fields)[k], st);
        st.lens[slot] = len;
        size += tagLen + varint32Size(len) + len;
      }
      return size;
    },
    write(msg, buf, pos, st) {
      const record = msg[name] as Fields;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        pos = writeVarint32(buf, writeVarint32(buf, pos, tag), st.take());
        pos = key.write(buf, pos, toKey(k), st);
        pos = value.write(buf, pos, record[k], st);
      }
      return pos;
    },
  };
}

/**
 * protobuf-es's map key conversion (compileMapKeyConverter): keys are
 * object keys, strings. A key it cannot convert stays a string, which the
 * key's encoder bails at. 64-bit keys stay strings here: the 64-bit
 * encoders parse a string as protoInt64 does, which is what protobuf-es
 * does to the key.
 */
function keyConverter(type: ScalarType): (key: string) => unknown {
  switch (type) {
    case ScalarType.BOOL:
      return (key) => (key === "true" ? true : key === "false" ? false : key);
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return (key) => {
        const n = Number.parseInt(key);
        return Number.isFinite(n) ? n : key;
      };
    default:
      return (key) => key;
  }
}
