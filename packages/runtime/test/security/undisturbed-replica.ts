/** The check that refused intruders left a replica as it was (the peer-auth tests). */
import { expect } from "vitest";
import { type Configuration, quorumCall, type System } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";

/**
 * After streams were refused at replica 1 (`r1`): its handlers saw no
 * request (`nums`, what they recorded), its inboundConfig is still
 * `before` with the same node 2, no client peer joined, and a quorum call
 * over it still reaches replicas 1 and 2.
 */
export async function expectUndisturbed(r1: System, nums: readonly bigint[] | undefined, before: Configuration): Promise<void> {
  const node2 = before.node(2);
  expect(nums).toEqual([]);
  expect(r1.inboundConfig()).toBe(before);
  expect(r1.inboundConfig().node(2)).toBe(node2);
  expect(r1.clientConfig().size).toBe(0);
  const replies = await quorumCall(r1.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "still" }).results().collectAll();
  expect([...replies.keys()].sort()).toEqual([1, 2]);
}
