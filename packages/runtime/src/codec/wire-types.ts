/**
 * The protobuf wire types (the low three bits of a tag), as protobuf-es's
 * `WireType` numbers them, for the payload encoder and decoder and the
 * envelope codec (wire/message-codec.ts): plain constants, so that hot code
 * compares with literals.
 */

/** Varints. */
export const WIRE_VARINT = 0;
/** 8-byte little-endian values. */
export const WIRE_I64 = 1;
/** Length-prefixed values. */
export const WIRE_LEN = 2;
/** The start of a group. */
export const WIRE_START_GROUP = 3;
/** The end of a group. */
export const WIRE_END_GROUP = 4;
/** 4-byte little-endian values. */
export const WIRE_I32 = 5;
