/**
 * The shapes the payload encoder's pieces share: a message as they read it,
 * and the size and write functions of a message type and of a field.
 */
import type { EncodeState } from "./encode-state.js";

/** A message as the encoders read it: its fields by local name. */
export type Fields = Record<string, unknown>;

/** Sizes and writes a message's fields and unknown fields (generated per type, encode-message.ts). */
export interface MessageEncoder {
  /** The message's encoded size; records in `st` the lengths the write pass needs. */
  size(msg: Fields, st: EncodeState): number;
  /** Writes the message at `pos` (the size pass has run); returns the position after it. */
  write(msg: Fields, buf: Buffer, pos: number, st: EncodeState): number;
}

/** Sizes and writes one field of a message (a map field, encode-maps.ts). */
export interface FieldEncoder {
  size(msg: Fields, st: EncodeState): number;
  write(msg: Fields, buf: Buffer, pos: number, st: EncodeState): number;
}
