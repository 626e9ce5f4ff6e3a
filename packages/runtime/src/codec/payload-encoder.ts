/**
 * The payload encoder: `encodePayload(schema, message)` writes byte for
 * byte what protobuf-es's `toBinary(schema, message)` writes, with one size
 * pass, one allocation and one write pass, where toBinary grows a fresh
 * BinaryWriter per message and copies its bytes out.
 *
 * Per message type, compiled once: a size and a write function over its
 * fields, generated from its descriptor (encode-message.ts; maps in
 * encode-maps.ts, scalars in encode-scalars.ts, wire primitives in
 * encode-wire.ts). The size pass records the lengths the write pass needs
 * first (nested messages, packed runs, map entries, strings) in an
 * EncodeState (encode-state.ts).
 *
 * The result is a Buffer, a slice of node's shared pool for small sizes:
 * a payload kept for long keeps its pool chunk (8 KiB) alive.
 *
 * What the encoder leaves to toBinary:
 * - message types it does not compile (encode-support.ts: Struct fields,
 *   in the type or a type it reaches; singular wrapper fields it writes
 *   itself), decided once per type; all types where code cannot be
 *   generated from strings (--disallow-code-generation-from-strings);
 * - a message holding a value that toBinary would not take as it is (the
 *   size pass bails: a value of another JavaScript type, a message of
 *   another type, a required field not set): toBinary then writes what it
 *   writes or throws what it throws.
 * This layer imports only @bufbuild/protobuf.
 */
import { type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { canGenerate, messageEncoder } from "./encode-message.js";
import { BAIL, EncodeState } from "./encode-state.js";
import { firstUnsupported } from "./encode-support.js";
import type { Fields, MessageEncoder } from "./encode-types.js";

/** Per message type: its encoder, or null when the type goes to toBinary. */
const plans = new WeakMap<DescMessage, MessageEncoder | null>();

function planOf(schema: DescMessage): MessageEncoder | null {
  let plan = plans.get(schema);
  if (plan === undefined) {
    plan = canGenerate && firstUnsupported(schema) === undefined ? messageEncoder(schema) : null;
    plans.set(schema, plan);
  }
  return plan;
}

/** Whether encodePayload writes messages of `schema` itself (false: it calls toBinary). */
export function encodesItself(schema: DescMessage): boolean {
  return planOf(schema) !== null;
}

/** The state of the encode under way; another encode started meanwhile (re-entered) takes a fresh one. */
const shared = new EncodeState();
let sharedBusy = false;

/** Serializes `message` as `toBinary(schema, message)` does. The result may be a Buffer. */
export function encodePayload<D extends DescMessage>(schema: D, message: MessageShape<D>): Uint8Array {
  const plan = planOf(schema);
  if (plan === null) {
    return toBinary(schema, message);
  }
  const msg = message as unknown as Fields;
  const reentered = sharedBusy;
  const st = reentered ? new EncodeState() : shared;
  sharedBusy = true;
  try {
    st.reset();
    let size: number;
    try {
      size = plan.size(msg, st);
    } catch (err) {
      if (err === BAIL) {
        return toBinary(schema, message);
      }
      throw err;
    }
    const buf = Buffer.allocUnsafe(size);
    const end = plan.write(msg, buf, 0, st);
    if (end !== size) {
      throw new Error(`payload encoder: wrote ${end} bytes of ${schema.typeName}, sized ${size}`);
    }
    return buf;
  } finally {
    sharedBusy = reentered;
  }
}
