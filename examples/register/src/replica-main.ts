// The `replica` subcommand: one replica of the register in this process, a
// symmetric System that knows every replica's address, optionally with its
// value on stable storage so that it can be killed and restarted. With
// --listen it listens there and announces its entry of --replicas (a proxy's
// address, say).
//
//   node dist/main.js replica --id 2 --state-dir /tmp/register-2 \
//     --replicas 1=127.0.0.1:9001,2=127.0.0.1:9002,3=127.0.0.1:9003
import { newSymmetricSystem, type System, withNodes } from "@gorums/runtime";
import type { ReplicaCommand } from "./cli.js";
import { registerRegisterServer } from "./gen/register/register_gorums.js";
import { RegisterReplica } from "./replica.js";
import { StateFile } from "./state-file.js";
import { formatTimestamp } from "./timestamp.js";

/** The line a replica prints once it serves: `replica <id> ready on <host:port> …`. */
export const READY_LINE = /^replica (\d+) ready on (\S+)/;

/** Runs a replica until SIGINT, SIGTERM, or the parent process going away; resolves with the exit code. */
export async function runReplica(cmd: ReplicaCommand): Promise<number> {
  const name = `replica ${cmd.id}`;
  // Its own entry of --replicas is what it announces; it listens there unless --listen says otherwise.
  const addr = cmd.listen ?? (cmd.replicas.get(cmd.id) as string);
  let replica: RegisterReplica;
  let stateNote = "no --state-dir: state in memory only";
  try {
    const file = cmd.stateDir === undefined ? undefined : new StateFile(cmd.stateDir);
    replica = new RegisterReplica(file);
    if (file !== undefined) {
      stateNote = `state in ${file.path}: timestamp ${formatTimestamp(replica.value.ts)}`;
    }
  } catch (err) {
    console.error(`${name}: cannot read its state in ${cmd.stateDir}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }

  let system: System;
  try {
    system = await newSymmetricSystem(addr, cmd.id, withNodes(cmd.replicas));
  } catch (err) {
    console.error(`${name}: cannot listen on ${addr}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  system.registerService((srv) => registerRegisterServer(srv, replica));
  await system.serve();
  system.newOutboundConfig();

  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Started by another process with an IPC channel (a test): leave with it, even if it was killed.
  process.once("disconnect", stop);

  console.log(`${name} ready on ${system.addr} (${stateNote})`);
  await new Promise((resolve) => stopping.signal.addEventListener("abort", resolve, { once: true }));
  console.log(`${name} stopping: ${replica.updates} writes taken, timestamp ${formatTimestamp(replica.value.ts)}`);
  await system.stop();
  return 0;
}
