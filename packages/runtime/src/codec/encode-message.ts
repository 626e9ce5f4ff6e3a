/**
 * The message encoders: per message type, compiled once into two functions
 * of their own, generated from the descriptor (new Function): `size` and
 * `write` over its fields in the order protobuf-es writes them (by field
 * number), then its unknown fields (`$unknown`, where protobuf-es keeps
 * extensions too) as they are. Generated code reads each field as a named
 * property and calls the scalar encoders directly, where a closure per
 * field would read `msg[name]` through one megamorphic site for every
 * field of every type (measured: no faster than toBinary on a nested
 * message). Maps are closures (encode-maps.ts), called from the generated code.
 *
 * For a field of each kind, the generated code does what to-binary.js does:
 * - implicit presence: skipped at the zero value, told apart as protobuf-es
 *   does (an enum's first value, false, "", an empty Uint8Array, +0 but not
 *   -0, and `!= 0` for the integers, which takes 0n and "0" as zero);
 * - explicit presence: written when the message has the property as its
 *   own (proto2 defaults live on the prototype) and not undefined; a
 *   required field not set bails (toBinary throws);
 * - a oneof member: written when the oneof's case names it;
 * - lists packed (one length, nothing when empty) or expanded, messages
 *   length-prefixed or delimited (groups, editions' DELIMITED);
 * - a singular wrapper field outside a oneof (google.protobuf.Int32Value
 *   and the like), held as its unwrapped value: when set, the wrapper
 *   message toBinary makes of it, whose one field, `value`, is written
 *   unless it is the zero value (the wrapper is proto3).
 */
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { mapField, messageOf } from "./encode-maps.js";
import { scalarEncoder } from "./encode-scalars.js";
import { bail, type EncodeState } from "./encode-state.js";
import type { FieldEncoder, Fields, MessageEncoder } from "./encode-types.js";
import { tagOf, varint32Size, WIRE_END_GROUP, WIRE_LEN, WIRE_START_GROUP, writeRaw, writeVarint32 } from "./encode-wire.js";

// google.protobuf.FeatureSet.FieldPresence, as protobuf-es inlines them.
const IMPLICIT = 2;
const LEGACY_REQUIRED = 3;

interface UnknownField {
  no: number;
  wireType: number;
  data: Uint8Array;
}

function unknownSize(unknown: unknown): number {
  if (!Array.isArray(unknown)) {
    bail();
  }
  let size = 0;
  for (let i = 0; i < unknown.length; i++) {
    const { no, wireType, data } = unknown[i] as UnknownField;
    if (!(data instanceof Uint8Array)) {
      bail();
    }
    size += varint32Size(tagOf(no, wireType)) + data.length;
  }
  return size;
}

function writeUnknown(buf: Buffer, pos: number, unknown: UnknownField[]): number {
  for (let i = 0; i < unknown.length; i++) {
    const { no, wireType, data } = unknown[i] as UnknownField;
    pos = writeRaw(buf, writeVarint32(buf, pos, tagOf(no, wireType)), data);
  }
  return pos;
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : bail();
}

/** What the generated code finds in scope (see `prelude`). */
interface Env {
  readonly bail: typeof bail;
  readonly hasOwn: (this: object, key: string) => boolean;
  readonly messageOf: typeof messageOf;
  readonly listOf: typeof listOf;
  readonly varint32Size: typeof varint32Size;
  readonly writeVarint32: typeof writeVarint32;
  readonly unknownSize: typeof unknownSize;
  readonly writeUnknown: typeof writeUnknown;
  /** Scalar encoders' size and write, by scalar type. */
  readonly S: Record<number, unknown>;
  readonly W: Record<number, unknown>;
  /** Encoders of nested message types, by index. */
  readonly C: MessageEncoder[];
  /** Map field encoders, by index. */
  readonly F: FieldEncoder[];
}

/** A message type's encoder; `size` and `write` are installed once generated. */
class CompiledMessage implements MessageEncoder {
  size: (msg: Fields, st: EncodeState) => number = notYet;
  write: (msg: Fields, buf: Buffer, pos: number, st: EncodeState) => number = notYet;
}

function notYet(): never {
  throw new Error("payload encoder: a message encoder used before it was compiled");
}

const compiled = new WeakMap<DescMessage, CompiledMessage>();

/**
 * The encoder of a message type, compiled on first use. Only for types
 * that firstUnsupported (encode-support.ts) passes, and the types they reach.
 */
export function messageEncoder(desc: DescMessage): MessageEncoder {
  let enc = compiled.get(desc);
  if (enc === undefined) {
    enc = new CompiledMessage();
    // Cached first, so that a recursive type finds itself.
    compiled.set(desc, enc);
    const { size, write } = generate(desc);
    enc.size = size;
    enc.write = write;
  }
  return enc;
}

/** Whether this process lets code be generated from strings (not under --disallow-code-generation-from-strings). */
export const canGenerate: boolean = (() => {
  try {
    return new Function("return true")() === true;
  } catch {
    return false;
  }
})();

/** The scalar type a field's values are written as (enums as int32). */
function scalarOf(field: DescField): ScalarType {
  return field.enum !== undefined ? ScalarType.INT32 : (field.scalar as ScalarType);
}

/** Statements writing a tag's bytes at `pos`, advancing it. */
function tagBytes(tag: number): string {
  let code = "";
  while (tag > 0x7f) {
    code += `buf[pos++] = ${(tag & 0x7f) | 0x80}; `;
    tag >>>= 7;
  }
  return `${code}buf[pos++] = ${tag}; `;
}

/** The condition under which protobuf-es writes a field with implicit presence holding `v`. */
function isSetCode(field: DescField): string {
  if (field.fieldKind === "enum") {
    return `v !== ${field.enum.values[0]?.number ?? 0}`;
  }
  switch (field.scalar) {
    case ScalarType.BOOL:
      return "v !== false";
    case ScalarType.STRING:
      return 'v !== ""';
    case ScalarType.BYTES:
      return "!(v instanceof Uint8Array) || v.byteLength > 0";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return "!Object.is(v, 0)";
    default:
      return "v != 0";
  }
}

interface Code {
  size: string;
  write: string;
}

/** Generates the source of `desc`'s size and write functions, and the environment they close over. */
function generate(desc: DescMessage): MessageEncoder {
  const env: Env = {
    bail,
    hasOwn: Object.prototype.hasOwnProperty,
    messageOf,
    listOf,
    varint32Size,
    writeVarint32,
    unknownSize,
    writeUnknown,
    S: {},
    W: {},
    C: [],
    F: [],
  };
  const prelude: string[] = [];
  const scalars = new Set<ScalarType>();
  const scalar = (type: ScalarType): { s: string; w: string } => {
    if (!scalars.has(type)) {
      scalars.add(type);
      const enc = scalarEncoder(type);
      env.S[type] = enc.size;
      env.W[type] = enc.write;
      prelude.push(`const s${type} = env.S[${type}], w${type} = env.W[${type}];`);
    }
    return { s: `s${type}`, w: `w${type}` };
  };
  const children = new Map<DescMessage, string>();
  const child = (d: DescMessage): string => {
    let name = children.get(d);
    if (name === undefined) {
      name = `c${env.C.length}`;
      prelude.push(`const ${name} = env.C[${env.C.length}];`);
      env.C.push(messageEncoder(d));
      children.set(d, name);
    }
    return name;
  };

  /** Code sizing and writing one value `v` of `field`, tag included. */
  const value = (field: DescField, fieldNo: number): Code => {
    if (field.message === undefined) {
      const type = scalarOf(field);
      const { s, w } = scalar(type);
      const tag = tagOf(fieldNo, scalarEncoder(type).wireType);
      return { size: `n += ${varint32Size(tag)} + ${s}(v, st);`, write: `${tagBytes(tag)}pos = ${w}(buf, pos, v, st);` };
    }
    if (field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(field.message)) {
      return wrapperValue(field, fieldNo);
    }
    const c = child(field.message);
    if (field.fieldKind !== "map" && field.delimitedEncoding === true) {
      const start = tagOf(fieldNo, WIRE_START_GROUP);
      const end = tagOf(fieldNo, WIRE_END_GROUP);
      return {
        size: `n += ${varint32Size(start) + varint32Size(end)} + ${c}.size(messageOf(v), st);`,
        write: `${tagBytes(start)}pos = ${c}.write(v, buf, pos, st); ${tagBytes(end)}`,
      };
    }
    const tag = tagOf(fieldNo, WIRE_LEN);
    return {
      size: `{ const slot = st.reserve(); const l = ${c}.size(messageOf(v), st); st.lens[slot] = l; n += ${varint32Size(tag)} + varint32Size(l) + l; }`,
      write: `${tagBytes(tag)}pos = writeVarint32(buf, pos, st.take()); pos = ${c}.write(v, buf, pos, st);`,
    };
  };

  /**
   * Code sizing and writing one value `v` of a singular wrapper field
   * outside a oneof, which protobuf-es holds unwrapped (localMessageMapper
   * in reflect/message.js): toBinary wraps `v` in a fresh wrapper message
   * and writes that, so the body is the wrapper's `value` (field 1, not
   * written at its zero value) and nothing else.
   */
  const wrapperValue = (field: DescField & { fieldKind: "message" }, fieldNo: number): Code => {
    const inner = field.message.fields[0] as DescField;
    const type = scalarOf(inner);
    const { s, w } = scalar(type);
    const innerTag = tagOf(1, scalarEncoder(type).wireType);
    // wrappers.proto is proto3, so `value` is skipped at its zero value; toBinary writes it always
    // where a look-alike type gives it explicit presence.
    const isSet = inner.presence === IMPLICIT ? isSetCode(inner) : "true";
    const body = `(${isSet} ? ${varint32Size(innerTag)} + ${s}(v, st) : 0)`;
    const writeBody = `${tagBytes(innerTag)}pos = ${w}(buf, pos, v, st);`;
    if (field.delimitedEncoding) {
      const start = tagOf(fieldNo, WIRE_START_GROUP);
      const end = tagOf(fieldNo, WIRE_END_GROUP);
      return {
        size: `n += ${varint32Size(start) + varint32Size(end)} + ${body};`,
        write: `${tagBytes(start)}if (${isSet}) { ${writeBody} } ${tagBytes(end)}`,
      };
    }
    const tag = tagOf(fieldNo, WIRE_LEN);
    // A set value takes at least its tag's byte: a length of 0 is an unset one.
    return {
      size: `{ const slot = st.reserve(); const l = ${body}; st.lens[slot] = l; n += ${varint32Size(tag)} + varint32Size(l) + l; }`,
      write: `{ ${tagBytes(tag)}const l = st.take(); pos = writeVarint32(buf, pos, l); if (l !== 0) { ${writeBody} } }`,
    };
  };

  const fieldCode = (field: DescField): Code => {
    const key = JSON.stringify(field.localName);
    switch (field.fieldKind) {
      case "scalar":
      case "enum":
      case "message": {
        const val = value(field, field.number);
        if (field.oneof !== undefined) {
          const get = `v = m[${JSON.stringify(field.oneof.localName)}]; if (v.case === ${key}) { v = v.value; `;
          return { size: `${get}${val.size} }`, write: `${get}${val.write} }` };
        }
        if (field.presence !== IMPLICIT || field.fieldKind === "message") {
          const get = `v = m[${key}]; if (v !== undefined && hasOwn.call(m, ${key})) { `;
          const unset = field.presence === LEGACY_REQUIRED ? " else bail();" : "";
          return { size: `${get}${val.size} }${unset}`, write: `${get}${val.write} }` };
        }
        const get = `v = m[${key}]; if (${isSetCode(field)}) { `;
        return { size: `${get}${val.size} }`, write: `${get}${val.write} }` };
      }
      case "list": {
        if (field.listKind !== "message" && field.packed) {
          const { s, w } = scalar(scalarOf(field));
          const tag = tagOf(field.number, WIRE_LEN);
          return {
            size:
              `a = listOf(m[${key}]); if (a.length !== 0) { const slot = st.reserve(); let l = 0; ` +
              `for (let i = 0; i < a.length; i++) l += ${s}(a[i], st); st.lens[slot] = l; n += ${varint32Size(tag)} + varint32Size(l) + l; }`,
            write:
              `a = m[${key}]; if (a.length !== 0) { ${tagBytes(tag)}pos = writeVarint32(buf, pos, st.take()); ` +
              `for (let i = 0; i < a.length; i++) pos = ${w}(buf, pos, a[i], st); }`,
          };
        }
        const val = value(field, field.number);
        return {
          size: `a = listOf(m[${key}]); for (let i = 0; i < a.length; i++) { v = a[i]; ${val.size} }`,
          write: `a = m[${key}]; for (let i = 0; i < a.length; i++) { v = a[i]; ${val.write} }`,
        };
      }
      case "map": {
        const i = env.F.length;
        env.F.push(mapField(field, field.message === undefined ? undefined : messageEncoder(field.message)));
        prelude.push(`const f${i} = env.F[${i}];`);
        return { size: `n += f${i}.size(m, st);`, write: `pos = f${i}.write(m, buf, pos, st);` };
      }
    }
  };

  const sorted = desc.fields.concat().sort((a, b) => a.number - b.number);
  const fields = sorted.map(fieldCode);
  // protobuf-es throws a ForeignFieldError for a message of another type, unless the type has no fields.
  const typeCheck = sorted.length > 0 ? `if (m.$typeName !== ${JSON.stringify(desc.typeName)}) bail();` : "";
  const source = [
    "const { bail, hasOwn, messageOf, listOf, varint32Size, writeVarint32, unknownSize, writeUnknown } = env;",
    ...prelude,
    "function size(m, st) {",
    `  ${typeCheck}`,
    "  let n = 0, v, a;",
    ...fields.map((f) => `  ${f.size}`),
    "  v = m.$unknown; if (v !== undefined) n += unknownSize(v);",
    "  return n;",
    "}",
    "function write(m, buf, pos, st) {",
    "  let v, a;",
    ...fields.map((f) => `  ${f.write}`),
    "  v = m.$unknown; if (v !== undefined) pos = writeUnknown(buf, pos, v);",
    "  return pos;",
    "}",
    "return { size, write };",
    `//# sourceURL=gorums-payload-encoder/${desc.typeName}.js`,
  ].join("\n");
  return new Function("env", source)(env) as MessageEncoder;
}
