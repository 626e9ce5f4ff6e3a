/**
 * Runs one protocol command with the generated storage stubs, and turns its
 * outcome (reply or error) into a protocol result.
 */
import { ConnectError, type Configuration, QuorumCallError, type Responses, rpcCall } from "@gorums/runtime";
import { readCorrectable, readNestedQC, readQC, readRPC, writeMulticast, writeNestedMulticast, writeQC, writeRPC, writeUnicast } from "@gorums/example-storage/gen/storage/storage_gorums";
import { type ReadResponse, Storage, type WriteResponse } from "@gorums/example-storage/gen/storage/storage_pb";
import type { Command, NodeFailure, Quorum, ReplyBody, Result, Target } from "./protocol.js";

/** The configurations a peer can call. */
export type Targets = (target: Target) => Configuration;

/** The default deadline of a command. */
const DEFAULT_TIMEOUT_MS = 5000;

/** Runs `cmd` against the configuration its target names (`fallback` when it names none). */
export async function runCommand(cmd: Command, targets: Targets, fallback: Target): Promise<Result> {
  try {
    return { id: cmd.id, ok: true, ...(await run(cmd, targets(cmd.target ?? fallback))) };
  } catch (err) {
    return failure(cmd.id, err);
  }
}

async function run(cmd: Command, config: Configuration): Promise<{ reply?: ReplyBody; level?: number; ids?: number[] }> {
  const opts = { timeoutMs: cmd.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(cmd.metadata !== undefined ? { metadata: cmd.metadata } : {}) };
  const key = cmd.key ?? "";
  const write = { key, value: cmd.value ?? "", ...(cmd.ts !== undefined ? { time: { seconds: BigInt(cmd.ts) } } : {}) };
  const nodeCtx = () => {
    const node = config.node(cmd.node ?? 0);
    if (node === undefined) {
      throw new Error(`no node ${cmd.node} in the configuration (${config.nodeIDs().join(", ")})`);
    }
    return node.context(opts);
  };
  const ctx = () => config.context(opts);
  switch (cmd.op) {
    case "readRPC":
      return { reply: readBody(await readRPC(nodeCtx(), { key })) };
    case "writeRPC":
      return { reply: writeBody(await writeRPC(nodeCtx(), write)) };
    case "writeUnicast":
      await writeUnicast(nodeCtx(), write);
      return {};
    case "writeMulticast":
      await writeMulticast(ctx(), write);
      return {};
    case "readQC":
      return { reply: readBody(await terminal(readQC(ctx(), { key }), cmd.quorum)) };
    case "readNestedQC":
      return { reply: readBody(await terminal(readNestedQC(ctx(), { key }), cmd.quorum)) };
    case "writeQC":
      return { reply: writeBody(await terminal(writeQC(ctx(), write), cmd.quorum)) };
    case "writeNestedMulticast":
      return { reply: writeBody(await terminal(writeNestedMulticast(ctx(), write), cmd.quorum)) };
    case "readCorrectable": {
      const c = readCorrectable(ctx(), { key }).correctable(cmd.level ?? 1);
      await c.done;
      const { value, level, error } = c.get();
      if (error !== undefined) {
        throw error;
      }
      return { level, ...(value !== undefined ? { reply: readBody(value) } : {}) };
    }
    case "call": {
      // An rpc under any wire name: ReadRPC's messages, another method name.
      const [service, method] = splitMethod(cmd.method ?? "");
      const desc = Storage.method.readRPC;
      const renamed = { ...desc, name: method, parent: { ...desc.parent, typeName: service } } as typeof desc;
      return { reply: readBody(await rpcCall(nodeCtx(), renamed, { key })) };
    }
    case "config":
      return { ids: config.nodeIDs() };
    case "quit":
      return {};
  }
}

/** Waits for `quorum` replies. */
function terminal<T>(responses: Responses<T>, quorum: Quorum | undefined): Promise<T> {
  switch (quorum ?? "majority") {
    case "first":
      return responses.first();
    case "majority":
      return responses.majority();
    case "all":
      return responses.all();
    default:
      return responses.threshold(quorum as number);
  }
}

function splitMethod(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  return [name.slice(0, dot), name.slice(dot + 1)];
}

function readBody(r: ReadResponse): ReplyBody {
  return { ok: r.ok, value: r.value, ts: Number(r.time?.seconds ?? 0n) };
}

function writeBody(r: WriteResponse): ReplyBody {
  return { new: r.new };
}

/** A failed command: the gRPC code and message (Unknown for errors without a code), and each node's failure. */
export function failure(id: number, err: unknown): Result {
  const nodeErrors: NodeFailure[] | undefined =
    err instanceof QuorumCallError ? err.nodeErrors.map((n) => ({ node: n.nodeID, ...codeOf(n.error) })) : undefined;
  return { id, ok: false, ...codeOf(err), error: err instanceof Error ? err.message : String(err), ...(nodeErrors !== undefined ? { nodeErrors } : {}) };
}

function codeOf(err: unknown): { code: number; message: string } {
  if (err instanceof ConnectError) {
    return { code: err.code, message: err.rawMessage };
  }
  return { code: 2, message: err instanceof Error ? err.message : String(err) };
}
