/**
 * The check can fail: a read without the write-back (`--no-write-back`) is
 * not linearizable, and a schedule made for it shows that every time. Three
 * replica processes; a writer in this process (an AbdClient recording its
 * history) writes "v0", then "v1" with a slowed second phase that reaches
 * replica 1 alone and waits. Meanwhile, two reader processes
 * (`client … read`), one after the other:
 *
 *   1. replica 3 SIGSTOPped: reader 2's majority is {1, 2}; it sees "v1" at
 *      replica 1 and returns it (with the write-back, it first writes "v1"
 *      to replicas 1 and 2);
 *   2. replica 3 continued, replica 1 SIGSTOPped: reader 3's majority is
 *      {2, 3}; without the write-back neither has "v1", and it returns "v0"
 *      — after a read that returned "v1" had completed: a new-old inversion.
 *
 * Then the writer finishes. Porcupine must find the history of the variant
 * without the write-back not linearizable, and the same schedule with it
 * linearizable. Each stop waits until the kernel reports the process
 * stopped, and each step until the previous one is done: no timing is left
 * to chance.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildChecker, haveGo, runChecker } from "@gorums/fault-harness";
import { newConfig, withNodes } from "@gorums/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbdClient } from "../src/abd-client.js";
import { History, HistoryFile } from "../src/history.js";
import { registerReplicas, startClient } from "./processes.js";

const GO = haveGo();
if (!GO) {
  console.error("\n*** register no-write-back: `go` is not on PATH: the linearizability check (faults/checker) cannot run; skipped ***\n");
}

describe.skipIf(!GO && process.env.CI !== "true")("a read without the write-back, under a schedule made to expose it", () => {
  let dir: string;
  let checker: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "register-no-write-back-"));
    checker = await buildChecker(dir);
  }, 180_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the schedule; resolves with what the two reads returned and the checker's verdict. The replicas are killed when the test ends. */
  async function scenario(name: string, writeBack: boolean) {
    const set = await registerReplicas(3, join(dir, name, "state"));
    await Promise.all(set.ids.map((id) => set.start(id)));
    const path = join(dir, name, "history.jsonl");
    const sink = new HistoryFile(path);
    const writer = new History(1, sink);
    const config = newConfig(withNodes(new Map(set.addrs)));
    // Deadlines far above any delay of a loaded machine: here nothing is meant to time out.
    const client = new AbdClient(config, { id: 1, timeoutMs: 15_000 });
    const reads: string[] = [];
    const reader = async (id: number) => {
      const args = ["--replicas", set.replicaList, "--id", String(id), "--history", path, "--timeout-ms", "15000", ...(writeBack ? [] : ["--no-write-back"]), "read"];
      const { code, stdout, stderr } = await startClient(args).done;
      expect(code, `reader ${id}: ${stdout}${stderr}`).toBe(0);
      reads.push(JSON.parse(/-> (".*")$/m.exec(stdout)?.[1] ?? "null") as string);
    };
    try {
      expect((await writer.record("write", "v0", () => client.write("v0"))).type).toBe("ok");
      const slow = {
        first: 1,
        wait: async () => {
          await set.stop(3);
          await reader(2);
          set.cont(3);
          await set.stop(1);
          await reader(3);
          set.cont(1);
        },
      };
      const w = await writer.record("write", "v1", () => client.write("v1", slow));
      expect(w.type, String(w.error)).toBe("ok");
    } finally {
      sink.close();
      await config.close();
    }
    const htmlPath = join(dir, name, "violation.html");
    const check = await runChecker(checker, [path], { htmlPath });
    console.log(`register ${name}: reads returned ${JSON.stringify(reads)}; ${check.output.replace(/\n/g, "; ")}`);
    return { reads, check, html: existsSync(htmlPath) };
  }

  it("without the write-back: the second read returns the older value, and the checker finds the history not linearizable", { timeout: 60_000 }, async () => {
    const { reads, check, html } = await scenario("no-write-back", false);
    expect(reads).toEqual(["v1", "v0"]);
    expect(check.linearizable, check.output).toBe(false);
    expect(check.operations).toBe(4);
    expect(html, "Porcupine's visualization of the violation").toBe(true);
  });

  it("with the write-back (the ABD read): the same schedule is linearizable", { timeout: 60_000 }, async () => {
    const { reads, check } = await scenario("write-back", true);
    expect(reads).toEqual(["v1", "v1"]);
    expect(check.linearizable, check.output).toBe(true);
  });
});
