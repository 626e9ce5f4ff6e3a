import { getOption, type DescMethod } from "@bufbuild/protobuf";
import { multicast, quorumcall, rpc, unicast } from "./gen/gorums_pb.js";

/**
 * The Gorums call type of a method, decided by its `gorums.*` method option:
 *
 * - `rpc`: a two-way call to one node (no option, or `gorums.rpc`);
 * - `unicast`: a one-way call to one node (`gorums.unicast`);
 * - `multicast`: a one-way call to every node of a configuration (`gorums.multicast`);
 * - `quorumcall`: a two-way call to every node of a configuration (`gorums.quorumcall`);
 * - `quorumcall_stream`: `gorums.quorumcall` on a server-streaming method: every
 *   node may answer any number of times.
 */
export type CallType = "rpc" | "unicast" | "multicast" | "quorumcall" | "quorumcall_stream";

/** The Gorums method options, by their name in `gorums.proto`. */
const callTypeOptions = { rpc, unicast, multicast, quorumcall } as const;

/** The name of one Gorums method option (`rpc`, `unicast`, `multicast` or `quorumcall`). */
export type CallTypeOption = keyof typeof callTypeOptions;

/**
 * The Gorums call-type options set to true on a method, in `gorums.proto`
 * order. An option set to false counts as absent. The options are read by
 * field number (50001–50004), so a method compiled against Go Gorums'
 * edition-2023 `gorums.proto` reads the same.
 */
export function callTypeOptionsOf(method: DescMethod): CallTypeOption[] {
  const set: CallTypeOption[] = [];
  for (const [name, ext] of Object.entries(callTypeOptions)) {
    if (getOption(method, ext)) {
      set.push(name as CallTypeOption);
    }
  }
  return set;
}

/**
 * The call type of a method that passed validation (see validate.ts): at most
 * one option set, and streaming only as a server-streaming quorum call.
 */
export function callTypeOf(method: DescMethod): CallType {
  const [option = "rpc"] = callTypeOptionsOf(method);
  if (option === "quorumcall" && method.methodKind === "server_streaming") {
    return "quorumcall_stream";
  }
  return option;
}
