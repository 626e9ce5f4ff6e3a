// What the Paxos tests share: commands to propose, and waiting for a condition.
import { create } from "@bufbuild/protobuf";
import { type Command, CommandSchema } from "../src/gen/paxos/paxos_pb.js";

/** A command with id `id` and operation `op` ("key=value" or "key?"; default `<id>=1`). */
export function command(id: string, op = `${id}=1`): Command {
  return create(CommandSchema, { id, op });
}

/** Resolves once `cond()` holds, checked every 10 ms; throws after 10 s, naming `what`. */
export async function waitUntil(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
