/**
 * The value encoders of the 15 scalar types (enums are int32), without tag:
 * what protobuf-es's BinaryWriter writes for a value of the field's own
 * JavaScript type. `size` checks the type and bails (encode-state.ts) at any
 * other; `write` trusts what `size` checked.
 */
import { ScalarType } from "@bufbuild/protobuf";
import { bail, type EncodeState } from "./encode-state.js";
import {
  halves,
  int32Size,
  splitInt64,
  splitUint64,
  utf8Size,
  varint32Size,
  varint64Size,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  writeDouble,
  writeFixed32,
  writeFloat,
  writeInt32,
  writeRaw,
  writeUtf8,
  writeVarint32,
  writeVarint64,
  zigzag32,
  zigzag64,
} from "./encode-wire.js";

export interface ScalarEncoder {
  /** The wire type of a value on its own (a packed run is WIRE_LEN). */
  readonly wireType: number;
  /** The bytes of `v`; bails unless `v` is of the field's JavaScript type and in its range. */
  size(v: unknown, st: EncodeState): number;
  /** Writes `v`, which `size` took, at `pos`; returns the position after it. */
  write(buf: Buffer, pos: number, v: unknown, st: EncodeState): number;
}

function int32(v: unknown): number {
  return typeof v === "number" && (v | 0) === v ? v : bail();
}

function uint32(v: unknown): number {
  return typeof v === "number" && v >>> 0 === v ? v : bail();
}

function number(v: unknown): number {
  return typeof v === "number" ? v : bail();
}

const double: ScalarEncoder = {
  wireType: WIRE_I64,
  size: (v) => (number(v), 8),
  write: (buf, pos, v) => writeDouble(buf, pos, v as number),
};

const float: ScalarEncoder = {
  wireType: WIRE_I32,
  size(v) {
    // A finite value beyond float32's range: protobuf-es throws.
    if (!Number.isFinite(Math.fround(number(v))) && Number.isFinite(v)) {
      bail();
    }
    return 4;
  },
  write: (buf, pos, v) => writeFloat(buf, pos, v as number),
};

const int32Enc: ScalarEncoder = {
  wireType: WIRE_VARINT,
  size: (v) => int32Size(int32(v)),
  write: (buf, pos, v) => writeInt32(buf, pos, v as number),
};

const uint32Enc: ScalarEncoder = {
  wireType: WIRE_VARINT,
  size: (v) => varint32Size(uint32(v)),
  write: (buf, pos, v) => writeVarint32(buf, pos, v as number),
};

const sint32: ScalarEncoder = {
  wireType: WIRE_VARINT,
  size: (v) => varint32Size(zigzag32(int32(v))),
  write: (buf, pos, v) => writeVarint32(buf, pos, zigzag32(v as number)),
};

const fixed32: ScalarEncoder = {
  wireType: WIRE_I32,
  size: (v) => (uint32(v), 4),
  write: (buf, pos, v) => writeFixed32(buf, pos, v as number),
};

const sfixed32: ScalarEncoder = {
  wireType: WIRE_I32,
  size: (v) => (int32(v), 4),
  write: (buf, pos, v) => writeFixed32(buf, pos, v as number),
};

/** A 64-bit varint type: `split` puts the value into `halves` (zigzag-encoded for sint64). */
function varint64(split: (v: unknown) => void): ScalarEncoder {
  return {
    wireType: WIRE_VARINT,
    size(v) {
      split(v);
      return varint64Size(halves.lo, halves.hi);
    },
    write(buf, pos, v) {
      split(v);
      return writeVarint64(buf, pos, halves.lo, halves.hi);
    },
  };
}

/** A fixed64 or sfixed64: the halves, little-endian. */
function fixed64Of(split: (v: unknown) => void): ScalarEncoder {
  return {
    wireType: WIRE_I64,
    size: (v) => (split(v), 8),
    write(buf, pos, v) {
      split(v);
      return writeFixed32(buf, writeFixed32(buf, pos, halves.lo), halves.hi);
    },
  };
}

const int64 = varint64(splitInt64);
const uint64 = varint64(splitUint64);
const sint64 = varint64((v) => {
  splitInt64(v);
  zigzag64();
});
const fixed64 = fixed64Of(splitUint64);
const sfixed64 = fixed64Of(splitInt64);

const bool: ScalarEncoder = {
  wireType: WIRE_VARINT,
  size: (v) => (typeof v === "boolean" ? 1 : bail()),
  write(buf, pos, v) {
    buf[pos] = v ? 1 : 0;
    return pos + 1;
  },
};

const string: ScalarEncoder = {
  wireType: WIRE_LEN,
  size(v, st) {
    if (typeof v !== "string") {
      bail();
    }
    const len = utf8Size(v);
    st.push(len);
    return varint32Size(len) + len;
  },
  write(buf, pos, v, st) {
    const len = st.take();
    return writeUtf8(buf, writeVarint32(buf, pos, len), v as string, len);
  },
};

const bytes: ScalarEncoder = {
  wireType: WIRE_LEN,
  size(v) {
    if (!(v instanceof Uint8Array)) {
      bail();
    }
    return varint32Size(v.length) + v.length;
  },
  write(buf, pos, v) {
    const b = v as Uint8Array;
    return writeRaw(buf, writeVarint32(buf, pos, b.length), b);
  },
};

const encoders: Record<ScalarType, ScalarEncoder> = {
  [ScalarType.DOUBLE]: double,
  [ScalarType.FLOAT]: float,
  [ScalarType.INT64]: int64,
  [ScalarType.UINT64]: uint64,
  [ScalarType.INT32]: int32Enc,
  [ScalarType.FIXED64]: fixed64,
  [ScalarType.FIXED32]: fixed32,
  [ScalarType.BOOL]: bool,
  [ScalarType.STRING]: string,
  [ScalarType.BYTES]: bytes,
  [ScalarType.UINT32]: uint32Enc,
  [ScalarType.SFIXED32]: sfixed32,
  [ScalarType.SFIXED64]: sfixed64,
  [ScalarType.SINT32]: sint32,
  [ScalarType.SINT64]: sint64,
};

/** The encoder of a scalar type (enums are written as int32). */
export function scalarEncoder(type: ScalarType): ScalarEncoder {
  return encoders[type];
}
