// The clients: plain configurations (newConfig) to the replicas, each
// calling Submit on one replica after another.
import { newConfig, withNodes } from "@gorums/runtime";
import { formatBallot } from "./ballot.js";
import { submit } from "./gen/paxos/paxos_gorums.js";

/** What the clients do. */
export interface ClientsOptions {
  /** The replicas, by node ID. */
  replicas: ReadonlyMap<number, string>;
  /** Number of clients, each with a configuration (and so connections) of its own. */
  clients: number;
  /** Commands per client, submitted one after the other. */
  commands: number;
  /** Where progress lines go. */
  log: (line: string) => void;
  /** Deadline of each Submit (default 15 s). */
  timeoutMs?: number;
}

const KEYS = ["x", "y", "z"];

/** The command client `c` (from 1) submits `k`-th (from 1): id "c<c>.<k>", op "<key>=<value>". */
export function commandFor(c: number, k: number): { id: string; op: string } {
  return { id: `c${c}.${k}`, op: `${KEYS[(c + k) % KEYS.length]}=${c * 10 + k}` };
}

/**
 * Runs every client at once: client c submits its k-th command to replica
 * number ((c + k - 2) mod N) + 1 in ID order, so the first commands of the
 * first N clients go to N different replicas at the same moment and each of
 * them has to become leader. Resolves once every command is decided; rejects
 * on the first failure.
 */
export async function runClients(opts: ClientsOptions): Promise<void> {
  const ids = [...opts.replicas.keys()].sort((a, b) => a - b);
  const clients = Array.from({ length: opts.clients }, (_, i) => i + 1);
  const configs = clients.map(() => newConfig(withNodes(new Map(opts.replicas))));
  try {
    await Promise.all(
      clients.map(async (c, i) => {
        const config = configs[i]!;
        for (let k = 1; k <= opts.commands; k++) {
          const target = ids[(c + k - 2) % ids.length]!;
          const command = commandFor(c, k);
          const node = config.node(target)!;
          let reply;
          try {
            reply = await submit(node.context({ timeoutMs: opts.timeoutMs ?? 15_000 }), { command });
          } catch (err) {
            throw new Error(`client ${c}: submitting ${command.id} to replica ${target} failed: ${err instanceof Error ? err.message : String(err)}`);
          }
          opts.log(`  client ${c} -> replica ${target}: ${command.id} ${command.op.padEnd(5)} decided in slot ${reply.slot} (ballot ${formatBallot(reply.ballot)})`);
        }
      }),
    );
  } finally {
    await Promise.all(configs.map((c) => c.close()));
  }
}
