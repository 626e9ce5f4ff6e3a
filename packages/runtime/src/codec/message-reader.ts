import type { DescMessage } from "@bufbuild/protobuf";
import { compileFieldReader } from "./field-readers.js";
import type { FieldReader, MessageBodyReader } from "./reader-types.js";
import { type WireReader, recursionLimit, wireEndGroup } from "./wire-reader.js";
import { compileZeroMessage, type LooseMessage } from "./zero-message.js";

/** Field numbers up to this one are looked up in an array, higher ones in a Map. */
const denseMax = 1024;

const compiled = new WeakMap<DescMessage, MessageBodyReader>();

/**
 * The compiled reader of a message type, compiled on first use. Its field
 * readers compile lazily too, so recursive types resolve to one reader.
 */
export function messageReader(desc: DescMessage): MessageBodyReader {
  let reader = compiled.get(desc);
  if (reader === undefined) {
    reader = compileMessageReader(desc);
    compiled.set(desc, reader);
  }
  return reader;
}

/** An unknown field as fromBinary keeps it in $unknown. */
interface UnknownField {
  no: number;
  wireType: number;
  data: Uint8Array;
}

/**
 * Compiles the body reader of a message type: protobuf-es's message and
 * group reader loops (the recursion limit, unknown fields kept as views of
 * the input) with field readers found by number in an array.
 */
function compileMessageReader(desc: DescMessage): MessageBodyReader {
  const descString = String(desc);
  const denseLength = Math.max(0, ...desc.fields.map((f) => (f.number <= denseMax ? f.number + 1 : 0)));
  const dense = Array.from({ length: denseLength }, (): FieldReader | undefined => undefined);
  const sparse = new Map<number, FieldReader>();
  for (const field of desc.fields) {
    const reader = compileFieldReader(field, messageReader);
    if (field.number <= denseMax) dense[field.number] = reader;
    else sparse.set(field.number, reader);
  }
  const noSparse = sparse.size === 0;
  /** Reads the field with this tag, or keeps it in unknown; returns unknown. */
  const readOne = (message: LooseMessage, r: WireReader, tag: number, unknown: UnknownField[] | undefined): UnknownField[] | undefined => {
    const no = tag >>> 3;
    const wireType = tag & 7;
    const field = no < dense.length ? dense[no] : noSparse ? undefined : sparse.get(no);
    if (field === undefined) {
      const data = r.skip(wireType, no, recursionLimit - r.depth);
      (unknown ??= []).push({ no, wireType, data });
    } else {
      field(message, r, wireType);
    }
    return unknown;
  };
  const enter = (r: WireReader): void => {
    if (++r.depth > recursionLimit) {
      throw new Error(`cannot decode ${descString} from binary: maximum recursion depth of ${recursionLimit} reached`);
    }
  };
  const leave = (message: LooseMessage, r: WireReader, unknown: UnknownField[] | undefined): void => {
    if (unknown !== undefined && unknown.length > 0) message.$unknown = unknown;
    r.depth--;
  };
  return {
    zero: compileZeroMessage(desc),
    read(message: LooseMessage, r: WireReader, length: number): void {
      enter(r);
      const end = r.pos + length;
      let unknown: UnknownField[] | undefined = message.$unknown;
      while (r.pos < end) unknown = readOne(message, r, r.tag(), unknown);
      leave(message, r, unknown);
    },
    readGroup(message: LooseMessage, r: WireReader, fieldNo: number): void {
      enter(r);
      let unknown: UnknownField[] | undefined = message.$unknown;
      let tag = -1;
      // As protobuf-es does: up to the end of the payload, not of the enclosing message.
      while (r.pos < r.len) {
        tag = r.tag();
        if ((tag & 7) === wireEndGroup) break;
        unknown = readOne(message, r, tag, unknown);
      }
      if ((tag & 7) !== wireEndGroup || tag >>> 3 !== fieldNo) throw new Error("invalid end group tag");
      leave(message, r, unknown);
    },
  };
}
