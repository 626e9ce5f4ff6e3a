/**
 * Thrown by the payload decoder's readers on input they do not read the way
 * fromBinary would (a field with an unusual wire type): decodePayload then
 * decodes the same bytes with fromBinary. One preallocated instance, so
 * throwing costs no stack capture.
 */
export const decodeFallback: Error = new Error("payload decoder: fall back to fromBinary");

/** Throws decodeFallback. */
export function fallBack(): never {
  throw decodeFallback;
}
