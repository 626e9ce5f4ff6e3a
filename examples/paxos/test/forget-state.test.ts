/**
 * The check can fail: replicas with `--forget-state` (they write their
 * state but ignore it at restart: amnesia after kill -9) lose a put that
 * a client saw answered, and Porcupine (faults/checker, kv model) finds the
 * history not linearizable — on a fixed schedule, every time. Three replica
 * processes on 127.0.0.1:
 *
 *   1. client 1 puts x=v1 and gets its answer (decided, and applied);
 *   2. replica 3 is SIGSTOPped (it answers nothing now), replicas 1 and 2
 *      are killed with kill -9 and restarted;
 *   3. client 2 gets x through replica 1, whose quorum can only be {1, 2}.
 *
 * With their state, 1 and 2 report the accepted put in phase 1, and the get
 * returns "v1". Having forgotten it, they see an empty log: the get is
 * decided in slot 0 and returns "" after the put completed — not
 * linearizable. Each step waits until the one before is done and each stop
 * until the kernel reports the process stopped: nothing depends on timing.
 */
import { join } from "node:path";
import { runChecker, skipWithoutGo, useCheckerDir } from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { paxosReplicas, startKvClient } from "./replica-process.js";

describe.skipIf(skipWithoutGo("paxos forget-state"))("replicas that forget their state at restart, under a schedule made to expose it", () => {
  const tmp = useCheckerDir("paxos-forget-state-");

  /** Runs the schedule; resolves with what the get returned and the checker's verdict. The replicas are killed when the test ends. */
  async function scenario(name: string, forgetState: boolean) {
    const dir = join(tmp.dir, name);
    const { set } = await paxosReplicas(3, { stateRoot: join(dir, "state"), forgetState });
    await Promise.all(set.ids.map((id) => set.start(id)));
    const histories = [join(dir, "history-1.jsonl"), join(dir, "history-2.jsonl")];
    const client = async (id: number, op: string) => {
      const c = startKvClient(["--replicas", set.replicaList, "--id", String(id), "--history", histories[id - 1] as string, "--deadline-ms", "30000", op]);
      const done = await c.done;
      expect(done.code, `client ${id} ${op}: ${done.stdout}${done.stderr}`).toBe(0);
      return done.stdout;
    };

    expect(await client(1, "x=v1")).toContain('p1-1 x=v1 -> ""');
    await set.stop(3);
    await Promise.all([set.kill(1), set.kill(2)]);
    await Promise.all([set.start(1), set.start(2)]);
    const got = /p2-1 x\? -> (".*")/.exec(await client(2, "x?"));
    set.cont(3);
    await set.killAll();
    expect(set.unexpectedExits).toEqual([]);
    const check = await runChecker(tmp.checker, histories, { model: "kv", htmlPath: join(dir, "violation.html") });
    return { got: got === null ? undefined : (JSON.parse(got[1] as string) as string), check };
  }

  it("with their state: the get after the restart returns the put's value, and the history is linearizable", { timeout: 90_000 }, async () => {
    const { got, check } = await scenario("durable", false);
    expect(got).toBe("v1");
    expect(check.operations, check.output).toBe(2);
    expect(check.linearizable, check.output).toBe(true);
  });

  it("with --forget-state: the get returns \"\" after the put was answered, and Porcupine finds the history not linearizable", { timeout: 90_000 }, async () => {
    const { got, check } = await scenario("forget", true);
    expect(got).toBe("");
    expect(check.operations, check.output).toBe(2);
    expect(check.linearizable, check.output).toBe(false);
    expect(check.output).toMatch(/NOT linearizable[\s\S]*visualization in .*violation\.html/);
  });
});
