/**
 * The bit that marks a call started by the accepting side of a stream
 * (server → connected client or peer). Calls started by the dialing side
 * count up from 1 without it.
 */
export const SERVER_INITIATED_BIT = 1n << 63n;

const MASK_64 = (1n << 64n) - 1n;

/** Reports whether a sequence number belongs to a call started by the accepting side. */
export function isServerInitiated(seqNo: bigint): boolean {
  return (seqNo & SERVER_INITIATED_BIT) !== 0n;
}

/**
 * Hands out sequence numbers for calls started on one side: 1, 2, 3, … for
 * the dialing side; with the high bit set for the accepting side. One quorum
 * call or multicast takes one number for all its nodes.
 */
export class SequenceNumbers {
  private last = 0n;

  /** @param serverInitiated set the high bit on every number handed out. */
  constructor(private readonly serverInitiated = false) {}

  /** The next unused sequence number. */
  next(): bigint {
    this.last = (this.last + 1n) & ~SERVER_INITIATED_BIT & MASK_64;
    if (this.last === 0n) {
      this.last = 1n;
    }
    return this.serverInitiated ? this.last | SERVER_INITIATED_BIT : this.last;
  }
}

/**
 * The sequence numbers of this process's calls. One counter for the whole
 * process, so that every registry whose nodes share a channel (a System's
 * outbound and inbound configurations) numbers its calls apart. Calls sent
 * on an accepted stream set the high bit on top.
 */
export const callSequence = new SequenceNumbers();
