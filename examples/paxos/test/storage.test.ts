/**
 * Stable storage (src/storage.ts): what was recorded is read back after a
 * reopen (the highest promise, per slot the entry of the highest ballot, the
 * highest ballot the proposer used); a torn last line — a process killed in
 * the middle of a write — is dropped and cut off, and later records follow
 * cleanly; a corrupt complete line is an error, not silently skipped; and an
 * Acceptor and a Replica's proposer restarted from it keep their promises
 * and never reuse a ballot.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { testDir } from "@gorums/fault-harness";
import { beforeEach, describe, expect, it } from "vitest";
import { Acceptor } from "../src/acceptor.js";
import { ballot, formatBallot } from "../src/ballot.js";
import { AcceptedEntrySchema, CommandSchema } from "../src/gen/paxos/paxos_pb.js";
import { FileStorage, STATE_FILE } from "../src/storage.js";
import { command as cmd } from "./helpers.js";

const entry = (slot: number, round: number, node: number, id: string) => create(AcceptedEntrySchema, { slot, ballot: ballot(round, node), command: cmd(id) });

describe("stable storage", () => {
  let dir: string;
  beforeEach(() => {
    dir = testDir("paxos-storage-");
  });

  it("reads back the highest promise, the highest-ballot entry per slot, and the last ballot used", () => {
    const s = FileStorage.open(dir);
    expect(s.records).toBe(0);
    s.propose(ballot(2, 3));
    s.promise(ballot(2, 1));
    s.accept(entry(0, 2, 1, "a"));
    s.promise(ballot(3, 2));
    s.accept(entry(0, 3, 2, "b"));
    s.accept(entry(4, 4, 1, "c")); // accepting 4.1 also promises it
    s.accept(entry(5, 4, 1, ""));
    s.propose(ballot(5, 3));
    s.close();
    expect(() => s.promise(ballot(9, 9))).toThrow(/closed/);

    const again = FileStorage.open(dir);
    const st = again.restored;
    expect(again.records).toBe(8);
    expect(again.droppedBytes).toBe(0);
    expect(formatBallot(st.promised)).toBe("4.1");
    expect(formatBallot(st.proposed)).toBe("5.3");
    expect([...st.accepted.values()].map((e) => [e.slot, formatBallot(e.ballot), e.command?.id])).toEqual([
      [0, "3.2", "b"],
      [4, "4.1", "c"],
      [5, "4.1", ""],
    ]);
    again.close();
  });

  it("drops a torn last line (killed mid-write), truncates it away, and appends cleanly after it", () => {
    const s = FileStorage.open(dir);
    s.promise(ballot(1, 1));
    s.accept(entry(0, 1, 1, "a"));
    s.close();
    const path = join(dir, STATE_FILE);
    const torn = '{"t":"accept","s":1,"b":[1,1],"id":"b","o';
    appendFileSync(path, torn);

    const again = FileStorage.open(dir);
    expect(again.records).toBe(2);
    expect(again.droppedBytes).toBe(torn.length);
    expect(again.restored.accepted.has(1)).toBe(false);
    again.promise(ballot(2, 3));
    again.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines).toHaveLength(4); // three records and the "" after the last newline
    expect(lines.every((l) => l === "" || JSON.parse(l) !== undefined)).toBe(true);
    const third = FileStorage.open(dir);
    expect(formatBallot(third.restored.promised)).toBe("2.3");
    expect(third.restored.accepted.get(0)?.command?.id).toBe("a");
    third.close();
  });

  it("refuses a corrupt complete line instead of silently forgetting what it held", () => {
    writeFileSync(join(dir, STATE_FILE), '{"t":"promise","b":[1,1]}\nnot json\n{"t":"promise","b":[2,1]}\n');
    expect(() => FileStorage.open(dir)).toThrow(/line 2 is corrupt/);
    writeFileSync(join(dir, STATE_FILE), '{"t":"promise","b":[1]}\n');
    expect(() => FileStorage.open(dir)).toThrow(/line 1 is not a state record/);
  });

  it("an acceptor restarted from it keeps its promise and its accepted values", () => {
    const s = FileStorage.open(dir);
    const a = new Acceptor({ storage: s });
    expect(a.prepare({ ballot: ballot(3, 1), fromSlot: 0 }).ok).toBe(true);
    expect(a.accept({ ballot: ballot(3, 1), slot: 0, command: cmd("x") }).ok).toBe(true);
    expect(a.prepare({ ballot: ballot(4, 2), fromSlot: 0 }).ok).toBe(true);
    // Refusals write nothing.
    expect(a.prepare({ ballot: ballot(2, 5), fromSlot: 0 }).ok).toBe(false);
    s.close();

    const again = FileStorage.open(dir);
    expect(again.records).toBe(3); // promise 3.1, accept, promise 4.2; the refusal wrote nothing
    const b = new Acceptor({ storage: again, restored: again.restored });
    expect(formatBallot(b.promised)).toBe("4.2");
    // The promise to 4.2 holds across the restart: 3.1's Accept and a Prepare of 4.1 are refused.
    expect(b.accept({ ballot: ballot(3, 1), slot: 1, command: cmd("y") }).ok).toBe(false);
    expect(b.prepare({ ballot: ballot(4, 1), fromSlot: 0 }).ok).toBe(false);
    // A higher ballot's promise reports what was accepted before the restart.
    const p = b.prepare({ ballot: ballot(5, 3), fromSlot: 0 });
    expect(p.accepted.map((e) => [e.slot, e.command?.id, formatBallot(e.ballot)])).toEqual([[0, "x", "3.1"]]);
    again.close();
  });
});
