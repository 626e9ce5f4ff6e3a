/**
 * The storage service in-process, on three symmetric replicas
 * (newLocalSystems) and an external client: every method of storage.proto
 * through the generated stubs — RPCs, unicast, multicast, quorum calls, the
 * correctable read that streams a newer write arriving within its window
 * (while the same client's write on the same stream is served: the handler
 * releases it), the nested read (a quorum of peers via ctx.config()) and the
 * nested multicast — and the REPL's commands and failure messages against
 * those replicas, with some of them stopped.
 */
import { type Configuration, newConfig, newLocalSystems, Server, type System, withNodeList } from "@gorums/runtime";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  readCorrectable,
  readNestedQC,
  readQC,
  readRPC,
  registerStorageServer,
  writeMulticast,
  writeNestedMulticast,
  writeQC,
  writeRPC,
  writeUnicast,
} from "../src/gen/storage/storage_gorums.js";
import { StorageReplica } from "../src/replica.js";
import { StorageRepl } from "../src/repl.js";
import { newStorageService, type StorageServiceOptions } from "../src/storage-server.js";
import { clock, fromNanos } from "../src/timestamps.js";

const timeoutMs = 5000;
const t = (ms: number) => fromNanos(BigInt(Date.UTC(2026, 0, 1) + ms) * 1_000_000n);

/** A client configuration of `addrs` (node i+1 is addrs[i]), closed when the test ends. */
function clientConfig(addrs: string[]): Configuration {
  const config = newConfig(withNodeList(addrs));
  onTestFinished(() => config.close());
  return config;
}

/**
 * Three replicas, each knowing the others, and a client configuration of all
 * three (node i+1 is replica i+1); when the test ends, the configuration is
 * closed and the replicas stopped.
 */
async function replicas(opts: StorageServiceOptions = {}): Promise<{ systems: System[]; stores: StorageReplica[]; config: Configuration }> {
  const local = await newLocalSystems(3);
  onTestFinished(() => local.stop());
  const stores = local.systems.map((s) => {
    const replica = new StorageReplica();
    const service = newStorageService({ ...opts, replica });
    s.registerService((srv) => registerStorageServer(srv, service));
    return replica;
  });
  await Promise.all(local.systems.map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(timeoutMs) })));
  return { systems: local.systems, stores, config: clientConfig(local.systems.map((s) => s.addr)) };
}

async function eventually(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("storage service on symmetric replicas", () => {
  it("serves RPCs, unicast, multicast and quorum calls with last writer wins", async () => {
    const { stores, config } = await replicas();
    const node = (id: number) => config.node(id)!.context({ timeoutMs });
    const ctx = () => config.context({ timeoutMs });

    expect((await writeRPC(node(1), { key: "k", value: "v1", time: t(1000) })).new).toBe(true);
    expect((await writeRPC(node(1), { key: "k", value: "old", time: t(500) })).new).toBe(false);
    expect(await readRPC(node(1), { key: "k" })).toMatchObject({ ok: true, value: "v1" });
    expect((await readRPC(node(2), { key: "k" })).ok).toBe(false);

    // Unicast, then a read on the same stream: served in order, so it sees the write.
    await writeUnicast(node(2), { key: "k", value: "v2", time: t(2000) });
    expect((await readRPC(node(2), { key: "k" })).value).toBe("v2");

    await writeMulticast(ctx(), { key: "m", value: "mv", time: t(0) });
    expect((await readQC(ctx(), { key: "m" }).results().collectAll()).size).toBe(3);
    expect(stores.map((s) => s.read("m").value)).toEqual(["mv", "mv", "mv"]);

    const w = await writeQC(ctx(), { key: "k", value: "v3", time: t(3000) }).results().collectAll();
    expect([...w.values()].map((r) => r.new)).toEqual([true, true, true]);
    expect((await readQC(ctx(), { key: "k" }).majority()).value).toBe("v3");
  });

  it("ReadCorrectable answers at once, then streams a newer write that arrives within its window", async () => {
    const { config } = await replicas({ correctableWindowMs: 1500 });
    await writeQC(config.context({ timeoutMs }), { key: "k", value: "first", time: t(1) }).all();

    const replies: Array<{ nodeID: number; value: string }> = [];
    const reading = (async () => {
      for await (const r of readCorrectable(config.context({ timeoutMs: 2500 }), { key: "k" }).results()) {
        if (r.value !== undefined) {
          replies.push({ nodeID: r.nodeID, value: r.value.value });
        }
      }
    })();
    await eventually(() => replies.length === 3, "the first reply of every replica");
    expect(replies.map((r) => r.value)).toEqual(["first", "first", "first"]);

    // The same client, the same streams: the write is served while the correctable read runs.
    expect((await writeQC(config.context({ timeoutMs }), { key: "k", value: "second", time: t(2) }).all()).new).toBe(true);
    await reading;
    expect(replies.slice(3).map((r) => r.value)).toEqual(["second", "second", "second"]);
    expect(new Set(replies.slice(3).map((r) => r.nodeID))).toEqual(new Set([1, 2, 3]));
  });

  it("ReadCorrectable through Correctable: levels count every reply", async () => {
    const { config } = await replicas({ correctableWindowMs: 200 });
    await writeQC(config.context({ timeoutMs }), { key: "k", value: "v", time: t(1) }).all();
    const corr = readCorrectable(config.context({ timeoutMs }), { key: "k" }).correctable(3);
    await corr.done;
    expect(corr.get()).toMatchObject({ level: 3, value: { ok: true, value: "v" } });
  });

  it("ReadNestedQC: a replica reads from a quorum of its peers and answers with the newest value", async () => {
    const { stores, config } = await replicas({ nestedQuorum: 3 });
    // Only replica 3 holds the key.
    await writeRPC(config.node(3)!.context({ timeoutMs }), { key: "k", value: "on 3", time: t(1) });
    expect(stores.map((s) => s.read("k").ok)).toEqual([false, false, true]);

    const viaOne = await readNestedQC(config.remove(2, 3).context({ timeoutMs }), { key: "k" }).all();
    expect(viaOne).toMatchObject({ ok: true, value: "on 3" });
    const viaAll = await readNestedQC(config.context({ timeoutMs }), { key: "k" }).results().collectAll();
    expect([...viaAll.values()].map((r) => r.value)).toEqual(["on 3", "on 3", "on 3"]);
    // A nested read reads; it does not repair.
    expect(stores.map((s) => s.read("k").ok)).toEqual([false, false, true]);
  });

  it("WriteNestedMulticast: a replica passes the write on to all its peers", async () => {
    const { stores, config } = await replicas();
    const reply = await writeNestedMulticast(config.remove(2, 3).context({ timeoutMs }), { key: "k", value: "spread", time: t(1) }).all();
    expect(reply.new).toBe(true);
    await eventually(() => stores.every((s) => s.read("k").value === "spread"), "the nested multicast on every replica");
  });

  it("nested calls on a server without peers fail with a clear message", async () => {
    const server = new Server();
    onTestFinished(() => server.stop());
    registerStorageServer(server, newStorageService());
    const config = clientConfig([await server.listen("127.0.0.1:0")]);
    await expect(readNestedQC(config.context({ timeoutMs }), { key: "k" }).all()).rejects.toThrow(/ReadNestedQC needs a replica that knows its peers/);
    await expect(writeNestedMulticast(config.context({ timeoutMs }), { key: "k", value: "v" }).all()).rejects.toThrow(/WriteNestedMulticast needs a replica/);
    // The plain methods still work.
    expect((await writeRPC(config.node(1)!.context({ timeoutMs }), { key: "k", value: "v", time: clock.now() })).new).toBe(true);
  });
});

describe("StorageRepl against in-process replicas", () => {
  async function session(config: Configuration, commands: string[]): Promise<string[]> {
    const lines: string[] = [];
    const repl = new StorageRepl(config, { out: (text) => lines.push(...text.split("\n")), timeoutMs: 2000, correctableMs: 700 });
    for (const c of commands) {
      lines.push(`> ${c}`);
      expect(await repl.execute(c)).toBeUndefined();
    }
    return lines;
  }

  it("runs every operation and names nodes by index", async () => {
    const { stores, config } = await replicas({ correctableWindowMs: 300 });
    const out = await session(config, [
      "rpc 0 write foo bar",
      "rpc 0 read foo",
      "rpc 1 read foo",
      "ucast 2 u 'with space'",
      "rpc 2 read u",
      "mcast m 1",
      "qc read m",
      "qc write foo baz",
      "cfg 0,2 read foo",
      "cfg 1: write c x",
      "qc cread c",
      "qc nread c",
      "cfg 0 nwrite n v",
      "nodes",
    ]);
    expect(out).toEqual(
      expect.arrayContaining([
        "foo = bar",
        "foo was not found",
        "Unicast OK (sent to node 2)",
        "u = with space",
        "Multicast OK (sent to 3 nodes)",
        "m = 1 (newest of 3 replies)",
        "Write OK (3 of 3 replicas updated)",
        "foo = baz (newest of 2 replies)",
        "Write OK (2 of 2 replicas updated)",
        "Correctable read finished: c = x (level 3: 3 replies from 3 of 3 nodes)",
        "c = x (newest of 3 replies)",
        "Nested write OK (multicast by 1 of 1 replica)",
        expect.stringMatching(new RegExp(`^0: ${config.nodes()[0]!.address} \\(id 1\\): connected, latency \\d+\\.\\d ms$`)),
      ]),
    );
    expect(out.filter((l) => /^ {2}level [1-3]: c (= x|was not found) \(from node \d/.test(l))).toHaveLength(3);
    expect(stores.map((s) => s.read("c").value)).toEqual(["", "x", "x"]);
    await eventually(() => stores.every((s) => s.read("n").value === "v"), "the nested write everywhere");
  });

  it("says which nodes failed when too few answer", async () => {
    const { systems, config } = await replicas();
    await systems[2]!.stop();
    let out = await session(config, ["qc write k v", "qc read k", "rpc 2 read k"]);
    expect(out).toContain("Write OK (2 of 3 replicas updated)");
    expect(out).toContain("k = v (newest of 2 replies)");
    expect(out.find((l) => l.startsWith("Read RPC failed: "))).toMatch(/^Read RPC failed: \[unavailable\]/);

    await systems[1]!.stop();
    out = await session(config, ["qc read k", "qc write k w"]);
    expect(out.find((l) => l.startsWith("Read quorum call failed"))).toMatch(/^Read quorum call failed: 1 of 3 nodes answered, 2 needed \(node [12]: .*; node [12]: .*\)$/);
    expect(out.find((l) => l.startsWith("Write quorum call failed"))).toMatch(/^Write quorum call failed: 1 of 3 nodes answered, 2 needed/);
  });

  it("answers bad input with a message, never a throw", async () => {
    const { config } = await replicas();
    const out = await session(config, ["frob", "rpc 3 read k", "cfg 2:1 read k", "qc write k", "rpc 0 write k 'open", "cfg 0,1"]);
    expect(out).toEqual([
      "> frob",
      "Unknown command 'frob'. Type 'help' to see the available commands.",
      "> rpc 3 read k",
      "Invalid node index 3: it must be between 0 and 2",
      "> cfg 2:1 read k",
      "Invalid range '2:1': it must select nodes within 0:3 (stop excluded)",
      "> qc write k",
      "'write' requires a key and a value. Usage: write <key> <value>",
      "> rpc 0 write k 'open",
      "Cannot read the command: unterminated quoted string: missing closing '",
      "> cfg 0,1",
      "'cfg' requires a configuration and an operation, like: cfg 1:3 read foo or cfg 0,2 write foo bar",
    ]);
    const repl = new StorageRepl(config, { out: () => {} });
    expect(await repl.execute("exit")).toBe("exit");
    expect(await repl.execute("quit")).toBe("exit");
  });
});
