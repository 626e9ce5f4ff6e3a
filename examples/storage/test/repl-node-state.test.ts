/**
 * The storage REPL as a user meets it (issue 17, item 11), driven through
 * its stdin and stdout against three replica processes (`main.js server`)
 * with --connect: `qc cread` prints at once what it waits for and then every
 * level as it arrives; a replica killed with kill -9 is reported down, and up
 * once a replica listens on its address again; `nodes` shows each node's
 * state; a multicast that reached 2 of 3 nodes says so.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { escapeRegExp, type ReplicaProcess, ReplSession, startReplica } from "./main-process.js";

describe("the storage REPL against replica processes", () => {
  let replicas: ReplicaProcess[] = [];
  let repl: ReplSession | undefined;

  // Each test's own replicas and session, gone when it ends (they register their cleanup).
  beforeEach(async () => {
    replicas = await Promise.all([1, 2, 3].map((id) => startReplica(id)));
    repl = await ReplSession.start(["--connect", replicas.map((r) => r.addr).join(",")]);
  }, 60_000);

  /** The REPL's lines from `from` on. */
  const linesFrom = (from: number) => repl!.out.lines.slice(from);

  it("qc cread says at once what it waits for, then prints every level and the final value", { timeout: 60_000 }, async () => {
    const session = repl!;
    await session.run("qc write foo bar");
    const echo = await session.run("qc cread foo");
    const { index: done } = await session.out.waitFor(/^Correctable read finished: /, { from: echo });
    const lines = linesFrom(echo + 1).slice(0, done - echo);
    expect(lines[0]).toBe("Correctable read of foo on 3 nodes: levels as replies arrive, newer writes for up to 1.5 s");
    expect(lines.slice(1, 4).map((l) => l.replace(/node \d/, "node N"))).toEqual([
      "  level 1: foo = bar (from node N)",
      "  level 2: foo = bar (from node N, a majority)",
      "  level 3: foo = bar (from node N)",
    ]);
    expect(lines[4]).toBe("  all 3 nodes answered; listening for newer writes until 1.5 s have passed");
    expect(lines[5]).toBe("Correctable read finished: foo = bar (level 3: 3 replies from 3 of 3 nodes)");
  });

  it("reports a killed replica down, and up again once a replica listens on its address", { timeout: 60_000 }, async () => {
    const session = repl!;
    const victim = replicas[1]!;
    const before = session.out.lines.length;
    await victim.kill();
    const { line } = await session.out.waitFor(new RegExp(`^node 1 \\(${escapeRegExp(victim.addr)}\\) down: \\S`), { from: before });
    expect(line).not.toMatch(/\n\s+at /);
    replicas[1] = await startReplica(2, victim.addr);
    await session.out.waitFor(new RegExp(`^node 1 \\(${escapeRegExp(victim.addr)}\\) up$`), { from: before });
    // The others were never reported.
    expect(linesFrom(before).filter((l) => /^node [02] /.test(l))).toEqual([]);
  });

  it("nodes shows each node's state: connected with its latency, or down with its last error", { timeout: 60_000 }, async () => {
    const session = repl!;
    await session.run("qc read foo");
    let echo = await session.run("nodes");
    await session.out.waitFor(/^2: /, { from: echo });
    expect(linesFrom(echo + 1).slice(0, 4)).toEqual([
      "Nodes:",
      expect.stringMatching(new RegExp(`^0: ${escapeRegExp(replicas[0]!.addr)} \\(id 1\\): connected, latency \\d+\\.\\d ms$`)),
      expect.stringMatching(new RegExp(`^1: ${escapeRegExp(replicas[1]!.addr)} \\(id 2\\): connected, latency \\d+\\.\\d ms$`)),
      expect.stringMatching(new RegExp(`^2: ${escapeRegExp(replicas[2]!.addr)} \\(id 3\\): connected, latency \\d+\\.\\d ms$`)),
    ]);

    const before = session.out.lines.length;
    await replicas[2]!.kill();
    await session.out.waitFor(/^node 2 .* down: /, { from: before });
    echo = await session.run("nodes");
    const { line } = await session.out.waitFor(/^2: /, { from: echo });
    expect(line).toMatch(new RegExp(`^2: ${escapeRegExp(replicas[2]!.addr)} \\(id 3\\): down, last error: \\[unavailable\\] \\S`));
  });

  it("a multicast that reached 2 of 3 nodes says so, and names the node it missed", { timeout: 60_000 }, async () => {
    const session = repl!;
    const before = session.out.lines.length;
    await replicas[0]!.kill();
    await session.out.waitFor(/^node 0 .* down: /, { from: before });
    const echo = await session.run("mcast color blue");
    const { line } = await session.out.waitFor(/^Multicast /, { from: echo });
    expect(line).toMatch(/^Multicast sent to 2 of 3 nodes; node 0: \[unavailable\] \S/);
    // The two that got it hold the value.
    const read = await session.run("cfg 1:3 read color");
    expect((await session.out.waitFor(/^color /, { from: read })).line).toBe("color = blue (newest of 2 replies)");
  });
});
