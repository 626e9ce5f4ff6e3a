import { ScalarType } from "@bufbuild/protobuf";
import { type WireReader, wireBit32, wireBit64, wireLengthDelimited, wireVarint } from "./wire-reader.js";

/** Reads one scalar value in its local representation. */
export type ScalarReader = (r: WireReader) => unknown;

/**
 * The reader of a scalar type, producing what protobuf-es's compiled reader
 * produces: 64-bit integers as bigint, or as a decimal string when
 * longAsString; strings validated as UTF-8 when strict.
 */
export function scalarReader(type: ScalarType, strict: boolean, longAsString: boolean): ScalarReader {
  switch (type) {
    case ScalarType.STRING:
      return (r) => r.string(strict);
    case ScalarType.BOOL:
      return (r) => r.bool();
    case ScalarType.DOUBLE:
      return (r) => r.double();
    case ScalarType.FLOAT:
      return (r) => r.float();
    case ScalarType.INT32:
      return (r) => r.int32();
    case ScalarType.INT64:
      return longAsString ? (r) => String(r.int64()) : (r) => r.int64();
    case ScalarType.UINT64:
      return longAsString ? (r) => String(r.uint64()) : (r) => r.uint64();
    case ScalarType.FIXED64:
      return longAsString ? (r) => String(r.fixed64()) : (r) => r.fixed64();
    case ScalarType.BYTES:
      return (r) => r.bytes();
    case ScalarType.FIXED32:
      return (r) => r.fixed32();
    case ScalarType.SFIXED32:
      return (r) => r.sfixed32();
    case ScalarType.SFIXED64:
      return longAsString ? (r) => String(r.sfixed64()) : (r) => r.sfixed64();
    case ScalarType.SINT64:
      return longAsString ? (r) => String(r.sint64()) : (r) => r.sint64();
    case ScalarType.UINT32:
      return (r) => r.uint32();
    case ScalarType.SINT32:
      return (r) => r.sint32();
  }
}

/** The wire type a scalar type is written with (unpacked). */
export function scalarWireType(type: ScalarType): number {
  switch (type) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return wireBit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return wireBit32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return wireLengthDelimited;
    default:
      return wireVarint;
  }
}
