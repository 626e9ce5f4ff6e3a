/**
 * What one encode carries from its size pass to its write pass, and the
 * size pass's way out to toBinary.
 */

/** Slots kept from one encode to the next (more are dropped). */
const KEPT_SLOTS = 4096;

/**
 * The lengths the size pass computed that the write pass needs before it
 * writes what they measure: of each nested message, packed run, map entry
 * and string. The size pass fills them in the order the write pass takes
 * them: both walk the message the same way.
 */
export class EncodeState {
  readonly lens: number[] = [];
  /** The next slot the size pass fills. */
  filled = 0;
  /** The next slot the write pass takes. */
  taken = 0;

  /** Ready for the next encode; lets go of the long array a large message left. */
  reset(): void {
    this.filled = 0;
    this.taken = 0;
    if (this.lens.length > KEPT_SLOTS) {
      this.lens.length = 0;
    }
  }

  /** Reserves the next slot (to be set once what it measures is sized). */
  reserve(): number {
    const slot = this.filled++;
    // At the end of the array this appends, so the array stays packed.
    this.lens[slot] = 0;
    return slot;
  }

  /** Reserves and sets the next slot. */
  push(len: number): void {
    this.lens[this.filled++] = len;
  }

  /** The next length the write pass needs. */
  take(): number {
    return this.lens[this.taken++] as number;
  }
}

/**
 * Thrown by the size pass at a value that toBinary would not take as it is
 * (a value of another JavaScript type than the field's, a message of
 * another type, a required field not set): encodePayload then hands the
 * whole message to toBinary, which writes what it writes for such a value or
 * throws what it throws. So the encoder never has to copy protobuf-es's
 * coercions and errors, only its output for well-typed messages.
 */
export const BAIL: unique symbol = Symbol("payload encoder: over to toBinary");

export function bail(): never {
  throw BAIL;
}
