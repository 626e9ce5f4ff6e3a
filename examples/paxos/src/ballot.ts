// Ballots: (round, node), ordered by round, then by node.
import { create } from "@bufbuild/protobuf";
import { type Ballot, BallotSchema } from "./gen/paxos/paxos_pb.js";

/** The ballot every acceptor starts with; lower than any real ballot. */
export const ZERO_BALLOT: Ballot = create(BallotSchema, { round: 0, node: 0 });

/** A ballot of a round for a replica. */
export function ballot(round: number, node: number): Ballot {
  return create(BallotSchema, { round, node });
}

/** Negative if a < b, 0 if equal, positive if a > b. A missing ballot is ZERO_BALLOT. */
export function compareBallots(a: Ballot | undefined, b: Ballot | undefined): number {
  const x = a ?? ZERO_BALLOT;
  const y = b ?? ZERO_BALLOT;
  return x.round !== y.round ? x.round - y.round : x.node - y.node;
}

/** The higher of two ballots. */
export function maxBallot(a: Ballot | undefined, b: Ballot | undefined): Ballot {
  return compareBallots(a, b) >= 0 ? (a ?? ZERO_BALLOT) : (b ?? ZERO_BALLOT);
}

/** "round.node", e.g. "3.2" for round 3 of replica 2. */
export function formatBallot(b: Ballot | undefined): string {
  const x = b ?? ZERO_BALLOT;
  return `${x.round}.${x.node}`;
}
