/**
 * Last-writer-wins replica logic: a write replaces the held value only if
 * it is newer (by timestamp, ties broken by value so replicas converge), a
 * replayed or older write is refused, watchers hear accepted writes only;
 * the monotonic clock that stamps a client's writes; and how read replies
 * combine (newest wins).
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { majority, newestRead } from "../src/aggregate.js";
import { ReadResponseSchema } from "../src/gen/storage/storage_pb.js";
import { compareWrites, type Entry, StorageReplica } from "../src/replica.js";
import { compareTimestamps, fromNanos, MonotonicClock, toNanos } from "../src/timestamps.js";

const t = (ms: number) => fromNanos(BigInt(ms) * 1_000_000n);

describe("StorageReplica", () => {
  it("reads ok=false for a key never written", () => {
    expect(new StorageReplica().read("k")).toEqual({ ok: false, value: "" });
  });

  it("keeps the newest write: a newer one replaces, an older one is refused", () => {
    const r = new StorageReplica();
    expect(r.write({ key: "k", value: "b", time: t(2000) })).toEqual({ new: true });
    expect(r.write({ key: "k", value: "a", time: t(1000) })).toEqual({ new: false });
    expect(r.read("k")).toMatchObject({ ok: true, value: "b" });
    expect(r.write({ key: "k", value: "c", time: t(3000) })).toEqual({ new: true });
    expect(r.read("k")).toEqual({ ok: true, value: "c", time: t(3000) });
  });

  it("refuses a write it already holds (a replayed multicast)", () => {
    const r = new StorageReplica();
    expect(r.write({ key: "k", value: "v", time: t(1) }).new).toBe(true);
    expect(r.write({ key: "k", value: "v", time: t(1) }).new).toBe(false);
  });

  it("breaks timestamp ties by value, so replicas that see the writes in any order agree", () => {
    const a = new StorageReplica();
    const b = new StorageReplica();
    a.write({ key: "k", value: "x", time: t(5) });
    a.write({ key: "k", value: "y", time: t(5) });
    b.write({ key: "k", value: "y", time: t(5) });
    b.write({ key: "k", value: "x", time: t(5) });
    expect(a.read("k").value).toBe("y");
    expect(b.read("k").value).toBe("y");
  });

  it("compares nanoseconds, not just seconds", () => {
    const r = new StorageReplica();
    r.write({ key: "k", value: "first", time: fromNanos(1_000_000_001n) });
    expect(r.write({ key: "k", value: "second", time: fromNanos(1_000_000_002n) }).new).toBe(true);
    expect(r.write({ key: "k", value: "zzz", time: fromNanos(1_000_000_000n) }).new).toBe(false);
    expect(r.read("k").value).toBe("second");
  });

  it("stamps a write without a time with its own clock (later than any past write)", () => {
    const r = new StorageReplica();
    r.write({ key: "k", value: "old", time: t(1000) });
    expect(r.write({ key: "k", value: "now" }).new).toBe(true);
    expect(r.read("k").value).toBe("now");
  });

  it("keeps keys apart", () => {
    const r = new StorageReplica();
    r.write({ key: "a", value: "1", time: t(2) });
    expect(r.write({ key: "b", value: "2", time: t(1) }).new).toBe(true);
    expect(r.keys()).toEqual(["a", "b"]);
  });

  it("tells watchers of accepted writes of their key only, until they unwatch", () => {
    const r = new StorageReplica();
    const seen: string[] = [];
    const unwatch = r.watch("k", (e: Entry) => seen.push(e.value));
    r.write({ key: "k", value: "v1", time: t(2) });
    r.write({ key: "k", value: "older", time: t(1) });
    r.write({ key: "other", value: "x", time: t(3) });
    r.write({ key: "k", value: "v2", time: t(3) });
    unwatch();
    r.write({ key: "k", value: "v3", time: t(4) });
    expect(seen).toEqual(["v1", "v2"]);
  });
});

describe("write order and timestamps", () => {
  it("compareWrites orders by time, then value", () => {
    expect(compareWrites({ value: "a", time: t(2) }, { value: "z", time: t(1) })).toBeGreaterThan(0);
    expect(compareWrites({ value: "a", time: t(1) }, { value: "b", time: t(1) })).toBeLessThan(0);
    expect(compareWrites({ value: "a", time: t(1) }, { value: "a", time: t(1) })).toBe(0);
  });

  it("compareTimestamps treats a missing time as the earliest", () => {
    expect(compareTimestamps(undefined, t(0))).toBeLessThan(0);
    expect(compareTimestamps(t(0), undefined)).toBeGreaterThan(0);
    expect(compareTimestamps(undefined, undefined)).toBe(0);
  });

  it("fromNanos and toNanos round-trip", () => {
    expect(toNanos(fromNanos(1_234_567_890_123n))).toBe(1_234_567_890_123n);
    expect(fromNanos(1_500_000_000n)).toMatchObject({ seconds: 1n, nanos: 500_000_000 });
  });

  it("MonotonicClock never repeats a timestamp, even when the wall clock stands still or goes back", () => {
    let now = 1000;
    const clock = new MonotonicClock(() => now);
    const a = toNanos(clock.now());
    const b = toNanos(clock.now());
    now = 900;
    const c = toNanos(clock.now());
    now = 2000;
    const d = toNanos(clock.now());
    expect(a).toBe(1000n * 1_000_000n);
    expect(b).toBe(a + 1n);
    expect(c).toBe(b + 1n);
    expect(d).toBe(2000n * 1_000_000n);
  });
});

describe("combining read replies", () => {
  const reply = (value: string, ms: number) => create(ReadResponseSchema, { ok: true, value, time: t(ms) });
  const missing = create(ReadResponseSchema, { ok: false });

  it("newestRead picks the latest write; a reply that holds nothing loses", () => {
    expect(newestRead([reply("a", 1), reply("c", 3), reply("b", 2)])?.value).toBe("c");
    expect(newestRead([missing, reply("a", 1), missing])?.value).toBe("a");
    expect(newestRead([missing])?.ok).toBe(false);
    expect(newestRead([reply("x", 1), reply("y", 1)])?.value).toBe("y");
    expect(newestRead([])).toBeUndefined();
  });

  it("majority is ⌊n/2⌋+1", () => {
    expect([1, 2, 3, 4, 5].map(majority)).toEqual([1, 2, 2, 3, 3]);
  });
});
