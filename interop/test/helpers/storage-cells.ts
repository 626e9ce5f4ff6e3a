/**
 * The storage matrix's cells: every call type, metadata, errors, an unknown
 * method and a deadline, run by one client against three replicas through
 * the JSON commands. storage-matrix.test.ts runs them across the Go peer
 * and ours, release-matrix.test.ts with the Go Gorums v0.11.0 release.
 */
import { expect, it } from "vitest";
import type { Result } from "../../src/protocol.js";
import type { Peer } from "./peers.js";

/** What differs between cells by who serves. */
export interface StorageCellOptions {
  /** The replicas know each other, so handlers can call them (nested calls); false for plain servers. */
  readonly nested: boolean;
  /** Checks the failure of an rpc to a method the replicas do not have. */
  readonly unknownMethod: (r: Extract<Result, { ok: false }>) => void;
}

/** The failure a command must have ended in. */
export function failed(r: Result): Extract<Result, { ok: false }> {
  if (r.ok) {
    throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  }
  return r;
}

/** Go Gorums' and our answer to an unknown method. */
export function unimplemented(r: Extract<Result, { ok: false }>): void {
  expect(r.code).toBe(12);
  expect(r.message).toContain("proto.Storage.NoSuchMethod");
}

/**
 * Declares the cells (inside a describe) for the client `client()` returns,
 * started in the describe's beforeAll with `--metadata tenant=blue`.
 */
export function storageCells(client: () => Peer, opts: StorageCellOptions): void {
  it("rpc: a write and a read on one replica, the timestamp intact", async () => {
    expect((await client().ok({ op: "writeRPC", node: 1, key: "rpc", value: "one", ts: 10 })).reply).toEqual({ new: true });
    expect((await client().ok({ op: "writeRPC", node: 1, key: "rpc", value: "older", ts: 9 })).reply).toEqual({ new: false });
    expect((await client().ok({ op: "readRPC", node: 1, key: "rpc" })).reply).toEqual({ ok: true, value: "one", ts: 10 });
    expect((await client().ok({ op: "readRPC", node: 2, key: "rpc" })).reply).toEqual({ ok: false, value: "", ts: 0 });
  });

  it("unicast: the write reaches that replica only, before a later rpc on the same stream", async () => {
    await client().ok({ op: "writeUnicast", node: 2, key: "uni", value: "u", ts: 1 });
    expect((await client().ok({ op: "readRPC", node: 2, key: "uni" })).reply?.value).toBe("u");
    expect((await client().ok({ op: "readRPC", node: 3, key: "uni" })).reply?.ok).toBe(false);
  });

  it("multicast: every replica gets the write", async () => {
    await client().ok({ op: "writeMulticast", key: "multi", value: "m", ts: 1 });
    const read = await client().ok({ op: "readQC", key: "multi", quorum: "all" });
    expect(read.reply).toEqual({ ok: true, value: "m", ts: 1 });
    for (const node of [1, 2, 3]) {
      expect((await client().ok({ op: "readRPC", node, key: "multi" })).reply?.value).toBe("m");
    }
  });

  it("quorum calls: first, majority, all and threshold", async () => {
    expect((await client().ok({ op: "writeQC", key: "qc", value: "v1", ts: 5, quorum: "all" })).reply).toEqual({ new: true });
    for (const quorum of ["first", "majority", "all", 2] as const) {
      expect((await client().ok({ op: "readQC", key: "qc", quorum })).reply).toEqual({ ok: true, value: "v1", ts: 5 });
    }
    // A threshold above the configuration's size cannot be met.
    const r = failed(await client().run({ op: "readQC", key: "qc", quorum: 4, timeoutMs: 1000 }));
    expect(r.error).toContain("incomplete call");
  });

  it("a streaming quorum call read as a correctable to its last level (3 replicas × 2 replies)", async () => {
    await client().ok({ op: "writeQC", key: "corr", value: "c", ts: 3, quorum: "all" });
    const r = await client().ok({ op: "readCorrectable", key: "corr", level: 6, timeoutMs: 3000 });
    expect(r.level).toBe(6);
    expect(r.reply).toEqual({ ok: true, value: "c", ts: 3 });
  });

  it.skipIf(!opts.nested)("nested quorum call: each replica reads from a quorum of its peers", async () => {
    // Written on replicas 1 and 2 only (a majority): replica 3 answers it only
    // through its nested read, and any majority it reads meets one of them.
    await client().ok({ op: "writeRPC", node: 1, key: "nested", value: "n", ts: 7 });
    await client().ok({ op: "writeRPC", node: 2, key: "nested", value: "n", ts: 7 });
    for (let i = 0; i < 5; i++) {
      const r = await client().ok({ op: "readNestedQC", key: "nested", quorum: "all" });
      expect(r.reply).toEqual({ ok: true, value: "n", ts: 7 });
    }
    expect((await client().ok({ op: "readRPC", node: 3, key: "nested" })).reply?.ok).toBe(false);
  });

  it.skipIf(!opts.nested)("nested multicast: each replica multicasts the write to all (none stores it directly)", async () => {
    const r = await client().ok({ op: "writeNestedMulticast", key: "nm", value: "x", ts: 2, quorum: "all" });
    expect(r.reply).toEqual({ new: true });
    await expect
      .poll(async () => (await client().ok({ op: "readQC", key: "nm", quorum: "all" })).reply?.value, { timeout: 5000 })
      .toBe("x");
  });

  it("metadata: per-message entries and stream headers reach the handler", async () => {
    const perMessage = await client().ok({ op: "readRPC", node: 1, key: "metadata:trace-id", metadata: { "trace-id": "abc-123" } });
    expect(perMessage.reply?.value).toBe("abc-123");
    const inQC = await client().ok({ op: "readQC", key: "metadata:trace-id", metadata: { "trace-id": "qc-7" }, quorum: "all" });
    expect(inQC.reply?.value).toBe("qc-7");
    expect((await client().ok({ op: "readRPC", node: 2, key: "metadata:tenant" })).reply?.value).toBe("blue");
  });

  it("handler errors: the code and the message arrive intact", async () => {
    const rpc = failed(await client().run({ op: "readRPC", node: 1, key: "error:9:precondition: not met" }));
    expect(rpc.code).toBe(9);
    expect(rpc.message).toBe("precondition: not met");
    const qc = failed(await client().run({ op: "readQC", key: "error:5:no such key", quorum: "majority" }));
    expect(qc.error).toContain("incomplete call");
    // A failed quorum call is not a status of its own: Unknown, the codes are per node.
    expect(qc.code).toBe(2);
    // Go reads every node's failure; gorums-ts fails once a majority is out of reach (2 of 3).
    expect(qc.nodeErrors?.length).toBeGreaterThanOrEqual(2);
    for (const n of qc.nodeErrors ?? []) {
      expect([n.code, n.message]).toEqual([5, "no such key"]);
    }
  });

  it("an unknown method fails the call with a clear status", async () => {
    opts.unknownMethod(failed(await client().run({ op: "call", node: 1, method: "proto.Storage.NoSuchMethod", key: "k" })));
  });

  it("a deadline that expires while the handler runs fails the call on time", async () => {
    const start = Date.now();
    const r = failed(await client().run({ op: "readRPC", node: 2, key: "sleep:1500", timeoutMs: 200 }));
    expect(r.code).toBe(4);
    expect(Date.now() - start).toBeLessThan(1200);
    // The replica is still serving.
    expect((await client().ok({ op: "readRPC", node: 2, key: "rpc" })).reply).toBeDefined();
  });
}
