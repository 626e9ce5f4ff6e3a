// The replica's rule (a Write is taken only with a newer timestamp), its
// state file across a restart, timestamps, and the history's line format.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { testDir } from "@gorums/fault-harness";
import type { ServerCtx } from "@gorums/runtime";
import { describe, expect, it } from "vitest";
import { TimestampSchema, WriteRequestSchema } from "../src/gen/register/register_pb.js";
import { formatEvent } from "../src/history.js";
import { RegisterReplica } from "../src/replica.js";
import { StateFile } from "../src/state-file.js";
import { compareTimestamps, nextTimestamp } from "../src/timestamp.js";

const ctx = {} as ServerCtx;
const ts = (counter: number, writer: number) => create(TimestampSchema, { counter: BigInt(counter), writer });
const req = (counter: number, writer: number, value: string) => create(WriteRequestSchema, { ts: ts(counter, writer), value });

describe("register replica", () => {
  it("orders timestamps by counter, then writer, and the next one is above the highest", () => {
    expect(compareTimestamps(ts(1, 9), ts(2, 1))).toBeLessThan(0);
    expect(compareTimestamps(ts(2, 2), ts(2, 1))).toBeGreaterThan(0);
    expect(compareTimestamps(undefined, ts(0, 0))).toBe(0);
    expect(compareTimestamps(nextTimestamp(ts(4, 9), 1), ts(4, 9))).toBeGreaterThan(0);
  });

  it("takes a write only with a newer timestamp", () => {
    const r = new RegisterReplica();
    expect(r.read()).toMatchObject({ value: "" });
    expect(r.write(ctx, req(1, 2, "a"))).toEqual({ new: true });
    expect(r.write(ctx, req(1, 1, "old"))).toEqual({ new: false });
    expect(r.write(ctx, req(1, 2, "a"))).toEqual({ new: false });
    expect(r.write(ctx, req(2, 1, "b"))).toEqual({ new: true });
    expect(r.read()).toMatchObject({ value: "b", ts: ts(2, 1) });
    expect(r.updates).toBe(2);
  });

  it("keeps its value in the state file: a restarted replica answers with it", () => {
    const dir = testDir("register-state-");
    const first = new RegisterReplica(new StateFile(dir));
    first.write(ctx, req(7, 3, "kept"));
    const restarted = new RegisterReplica(new StateFile(dir));
    expect(restarted.read()).toMatchObject({ value: "kept", ts: ts(7, 3) });
    expect(restarted.write(ctx, req(7, 2, "older"))).toEqual({ new: false });
  });

  it("refuses a corrupt state file", () => {
    const dir = testDir("register-state-");
    writeFileSync(join(dir, "register.json"), '{"counter":1}');
    expect(() => new RegisterReplica(new StateFile(dir))).toThrow(/not a register state/);
  });

  it("writes history lines in the checker's format, with the time as an exact integer", () => {
    const line = formatEvent({ type: "invoke", id: "p1-1", process: 1, f: "write", value: 'a"b', time: 12345678901234567n });
    expect(line).toBe('{"type":"invoke","id":"p1-1","process":1,"f":"write","value":"a\\"b","time":12345678901234567}');
    expect(JSON.parse(formatEvent({ type: "ok", id: "p1-2", process: 1, f: "read", value: "", time: 5n }))).toEqual({ type: "ok", id: "p1-2", process: 1, f: "read", value: "", time: 5 });
  });
});
