/**
 * The stubs protoc-gen-gorums-ts generates (test/gen/*_gorums.ts, from the
 * protos in test/proto) against real servers on 127.0.0.1 that registered
 * their handlers through the generated register functions:
 *
 * - testsvc (every call type): rpc with and without the explicit option,
 *   unicast, multicast, quorum call with first/majority/all/threshold and per
 *   node failures (CallOptions passed through the stub), streaming quorum call
 *   read as a correctable and through results();
 * - registry: google.protobuf.Empty as request and response, messages of
 *   another file and package (testtypes.Entry) and nested messages of both
 *   files (Entry.Version, Lookup.Change) as requests, responses and stream
 *   replies, round-tripped field by field, on the wire names
 *   "registry.Registry.<Method>";
 * - gostorage: Go Gorums' examples/storage proto (edition 2024, Timestamp) on
 *   three symmetric replicas with Go's storage server semantics, including the
 *   nested quorum call and nested multicast through ServerCtx.config();
 * - a partial implementation (testsvc with only Echo): every method left out
 *   answers Unimplemented "testsvc.TestService.<Method> is not implemented"
 *   (one-way ones answer nothing and break nothing), and the methods given
 *   run bound to the implementation.
 */
import { create, equals } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it, vi } from "vitest";
import { type Configuration, ErrIncomplete, mapRequest, newLocalSystems, type ServerCtx, withNodeList } from "../src/index.js";
import { expectCode, expectQuorumError } from "./calls/util.js";
import {
  readCorrectable,
  readNestedQC,
  readQC,
  readRPC,
  registerStorageServer,
  type StorageServer,
  writeMulticast,
  writeNestedMulticast,
  writeQC,
  writeRPC,
  writeUnicast as storageWriteUnicast,
} from "./gen/gostorage/go_storage_gorums.js";
import type { ReadRequest, ReadResponse, WriteRequest } from "./gen/gostorage/go_storage_pb.js";
import { bump, clear, latest, put, registerRegistryServer, type RegistryServer, versionOf, watch } from "./gen/registry/registry_gorums.js";
import {
  echo,
  echoQC,
  echoRPC,
  echoStream,
  registerTestServiceServer,
  type TestServiceServer,
  write,
  writeUnicast,
} from "./gen/testsvc/testsvc_gorums.js";
import { type Request, RequestSchema, type Response } from "./gen/testsvc/testsvc_pb.js";
import { type Entry, Entry_Kind, Entry_VersionSchema, EntrySchema } from "./gen/testtypes/types_pb.js";
import { cleanup, configOf, startServersWith, testConfig, type TestServer, testCluster } from "./helpers/test-servers.js";
import { waitUntil } from "./helpers/wait.js";

const timeoutMs = 5000;

describe("generated stubs: testsvc (every call type)", () => {
  let servers: TestServer[] = [];
  let config: Configuration | undefined;

  /** Three servers registered through registerTestServiceServer (server i+1 answers num = i+1). */
  const setup = async () => {
    ({ servers, config } = await testCluster(3));
    return config;
  };

  /**
   * Requests on one stream are served in arrival order, so once a quorum
   * call has been answered by every node, every one-way call sent before it
   * has been handled.
   */
  const barrier = async (cfg: Configuration) => {
    await echoQC(cfg.context({ timeoutMs }), { value: "barrier" }).all();
  };

  it("rpc (echo, echoRPC) reaches the node of the NodeContext and returns a testsvc.Response", async () => {
    const cfg = await setup();
    for (const id of [1, 2, 3]) {
      const node = cfg.node(id);
      expect(node).toBeDefined();
      const r1 = await echo(node!.context({ timeoutMs }), { value: `to ${id}` });
      expect(r1.$typeName).toBe("testsvc.Response");
      expect(r1).toMatchObject({ value: `echo: to ${id}`, num: BigInt(id) });
      const r2 = await echoRPC(node!.context({ timeoutMs }), { value: "rpc", num: 5n });
      expect(r2).toMatchObject({ value: "echo: rpc", num: BigInt(id) });
    }
    // The request's fields arrive: nums of server 2 are those of its two calls.
    expect(servers[1]!.state.nums).toEqual([0n, 5n]);
  });

  it("unicast (writeUnicast) reaches only the node of the NodeContext; multicast (write) reaches every node", async () => {
    const cfg = await setup();
    await writeUnicast(cfg.node(2)!.context(), { value: "only-2", num: 2n });
    await write(cfg.context(), { value: "all", num: 7n });
    await barrier(cfg);
    expect(servers.map((s) => s.state.writes)).toEqual([["all"], ["only-2", "all"], ["all"]]);
    expect(servers[1]!.state.nums.slice(0, 2)).toEqual([2n, 7n]);
  });

  it("quorum call (echoQC): every node gets the request; first, majority, all and threshold resolve with a reply", async () => {
    const cfg = await setup();
    const ctx = cfg.context({ timeoutMs });
    const replies = await echoQC(ctx, { value: "qc", num: 3n }).results().collectAll();
    expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
    for (const [id, r] of replies) {
      expect(r.$typeName).toBe("testsvc.Response");
      expect(r).toMatchObject({ value: "echo: qc", num: BigInt(id) });
    }
    expect(servers.map((s) => s.state.nums)).toEqual([[3n], [3n], [3n]]);
    for (const reply of [
      await echoQC(ctx, { value: "t" }).first(),
      await echoQC(ctx, { value: "t" }).majority(),
      await echoQC(ctx, { value: "t" }).all(),
      await echoQC(ctx, { value: "t" }).threshold(2),
    ]) {
      expect(reply.value).toBe("echo: t");
      expect([1n, 2n, 3n]).toContain(reply.num);
    }
  });

  it("quorum call (echoQC) with per-node failures: majority and threshold count successes, all and threshold(3) fail", async () => {
    const cfg = await setup();
    const ctx = cfg.context({ timeoutMs });
    // Node 3 fails (CallOptions pass through the stub): 2 of 3 succeed.
    const failing = (...ids: number[]) => ({
      interceptors: [mapRequest<Request, Response>((req, node) => (ids.includes(node.id) ? create(RequestSchema, { value: "fail:14" }) : req))],
    });
    expect((await echoQC(ctx, { value: "m" }, failing(3)).majority()).value).toBe("echo: m");
    expect((await echoQC(ctx, { value: "m" }, failing(3)).threshold(2)).value).toBe("echo: m");
    const allErr = await expectQuorumError(echoQC(ctx, { value: "m" }, failing(3)).all(), ErrIncomplete);
    expect(allErr.nodeErrors.map((e) => e.nodeID)).toEqual([3]);
    await expectQuorumError(echoQC(ctx, { value: "m" }, failing(3)).threshold(3), ErrIncomplete);
    // Nodes 2 and 3 fail: no majority, but one success.
    const majErr = await expectQuorumError(echoQC(ctx, { value: "m" }, failing(2, 3)).majority(), ErrIncomplete);
    expect(majErr.nodeErrors.map((e) => e.nodeID).sort()).toEqual([2, 3]);
    expect((await echoQC(ctx, { value: "m" }, failing(2, 3)).first()).value).toBe("echo: m");
  });

  it("streaming quorum call (echoStream): a correctable counts every reply of every node", async () => {
    const cfg = await setup();
    const c = echoStream(cfg.context({ timeoutMs }), { value: "s" }).correctable(9);
    await c.watch(9);
    await c.done;
    const got = c.get();
    expect(got.error).toBeUndefined();
    expect(got.level).toBe(9);
    expect(got.value?.$typeName).toBe("testsvc.Response");
    expect(got.value?.value).toMatch(/^echo: s-[123]$/);
    // Through results(): each node sends its three replies, in order.
    servers.forEach((s) => (s.state.streamReplies = 2));
    const perNode = new Map<number, string[]>();
    const ac = new AbortController();
    let seen = 0;
    for await (const r of echoStream(cfg.context({ signal: ac.signal }), { value: "r" }).results()) {
      expect(r.error).toBeUndefined();
      perNode.set(r.nodeID, [...(perNode.get(r.nodeID) ?? []), r.value!.value]);
      if (++seen === 6) {
        ac.abort();
      }
    }
    expect(new Map([...perNode].sort(([a], [b]) => a - b))).toEqual(
      new Map([1, 2, 3].map((id) => [id, ["echo: r-1", "echo: r-2"]])),
    );
  });
});

describe("generated stubs: registry (Empty, messages of another file, nested messages)", () => {
  interface RegistryNode {
    entry: Entry | undefined;
    readonly methods: string[];
  }
  let nodes: RegistryNode[] = [];
  let config: Configuration | undefined;

  const setup = async () => {
    nodes = [];
    const started = await startServersWith(3, (server, _state, id) => {
      const node: RegistryNode = { entry: undefined, methods: [] };
      const seen = (ctx: ServerCtx) => node.methods.push(ctx.method);
      const impl: RegistryServer = {
        latest(ctx) {
          seen(ctx);
          return node.entry ?? {};
        },
        put(ctx, req) {
          seen(ctx);
          node.entry = req;
        },
        clear(ctx) {
          seen(ctx);
          node.entry = undefined;
        },
        versionOf(ctx, req) {
          seen(ctx);
          return node.entry?.key === req.key && node.entry.version !== undefined ? node.entry.version : { writer: `none at ${id}` };
        },
        bump(ctx, req) {
          seen(ctx);
          return { counter: req.counter + BigInt(id), writer: `${req.writer}+${id}` };
        },
        async watch(ctx, req, send) {
          seen(ctx);
          for (let step = 1; step <= 2; step++) {
            await send({ node: id, step, entry: { key: req.key, version: { counter: BigInt(step), writer: `node ${id}` } } });
          }
        },
      };
      registerRegistryServer(server, impl);
      nodes.push(node);
    });
    config = configOf(started);
    return config;
  };

  const entry = {
    key: "k",
    version: { counter: 41n, writer: "client" },
    kind: Entry_Kind.VALUE,
    history: [
      { counter: 1n, writer: "a" },
      { counter: 2n, writer: "b" },
    ],
    labels: { zone: "eu", tier: "gold" },
    payload: { case: "data" as const, value: new Uint8Array([0, 1, 254, 255]) },
  };

  it("multicast of a message of another file, then a quorum call with an Empty request returns it from every node", async () => {
    const cfg = await setup();
    await put(cfg.context(), entry);
    const replies = await latest(cfg.context({ timeoutMs }), {}).results().collectAll();
    expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
    const want = create(EntrySchema, entry);
    for (const [i, node] of nodes.entries()) {
      // What the server decoded ...
      expect(node.entry?.$typeName).toBe("testtypes.Entry");
      expect(node.entry?.version?.$typeName).toBe("testtypes.Entry.Version");
      expect(equals(EntrySchema, node.entry!, want)).toBe(true);
      // ... and what came back.
      const got = replies.get(i + 1)!;
      expect(equals(EntrySchema, got, want)).toBe(true);
      expect(got.payload).toEqual({ case: "data", value: new Uint8Array([0, 1, 254, 255]) });
      expect(got.history.map((v) => v.writer)).toEqual(["a", "b"]);
      expect(got.labels).toEqual({ zone: "eu", tier: "gold" });
      expect(got.kind).toBe(Entry_Kind.VALUE);
    }
  });

  it("unicast with Empty in and out clears one node; rpc returns a nested message of another file", async () => {
    const cfg = await setup();
    await put(cfg.context(), entry);
    await latest(cfg.context({ timeoutMs }), {}).all();
    await clear(cfg.node(2)!.context(), {});
    const v1 = await versionOf(cfg.node(1)!.context({ timeoutMs }), { key: "k" });
    expect(v1.$typeName).toBe("testtypes.Entry.Version");
    expect(equals(Entry_VersionSchema, v1, create(Entry_VersionSchema, entry.version))).toBe(true);
    // On node 2 the rpc follows the unicast on the same stream: the entry is gone.
    const v2 = await versionOf(cfg.node(2)!.context({ timeoutMs }), { key: "k" });
    expect(v2).toMatchObject({ counter: 0n, writer: "none at 2" });
    const replies = await latest(cfg.context({ timeoutMs }), {}).results().collectAll();
    expect([1, 2, 3].map((id) => replies.get(id)?.key)).toEqual(["k", "", "k"]);
  });

  it("quorum call with a nested message of another file as request and response", async () => {
    const cfg = await setup();
    const replies = await bump(cfg.context({ timeoutMs }), { counter: 10n, writer: "c" }).results().collectAll();
    expect([1, 2, 3].map((id) => replies.get(id))).toEqual([1, 2, 3].map((id) => create(Entry_VersionSchema, { counter: 10n + BigInt(id), writer: `c+${id}` })));
    const one = await bump(cfg.context({ timeoutMs }), { counter: 0n, writer: "m" }).majority();
    expect(one.$typeName).toBe("testtypes.Entry.Version");
    expect(["m+1", "m+2", "m+3"]).toContain(one.writer);
  });

  it("streaming quorum call with a nested message of this file carrying a message of another file", async () => {
    const cfg = await setup();
    const c = watch(cfg.context({ timeoutMs }), { key: "w" }).correctable(6);
    await c.done;
    expect(c.get().level).toBe(6);
    const last = c.get().value!;
    expect(last.$typeName).toBe("registry.Lookup.Change");
    expect(last.entry?.$typeName).toBe("testtypes.Entry");
    expect(last.entry?.version?.writer).toBe(`node ${last.node}`);

    const changes: Array<{ node: number; step: number; counter: bigint | undefined; key: string | undefined }> = [];
    const ac = new AbortController();
    for await (const r of watch(cfg.context({ signal: ac.signal }), { key: "w2" }).results()) {
      const v = r.value!;
      expect(v.$typeName).toBe("registry.Lookup.Change");
      changes.push({ node: v.node, step: v.step, counter: v.entry?.version?.counter, key: v.entry?.key });
      expect(r.nodeID).toBe(v.node);
      if (changes.length === 6) {
        ac.abort();
      }
    }
    changes.sort((a, b) => a.node - b.node || a.step - b.step);
    expect(changes).toEqual([1, 2, 3].flatMap((node) => [1, 2].map((step) => ({ node, step, counter: BigInt(step), key: "w2" }))));
  });

  it("servers see the wire names pkg.Service.Method", async () => {
    const cfg = await setup();
    const ctx = cfg.context({ timeoutMs });
    await put(cfg.context(), entry);
    await clear(cfg.node(1)!.context(), {});
    await versionOf(cfg.node(1)!.context({ timeoutMs }), { key: "k" });
    await bump(ctx, {}).all();
    await watch(ctx, { key: "k" }).correctable(6).done;
    await latest(ctx, {}).all();
    expect(nodes[0]!.methods).toEqual([
      "registry.Registry.Put",
      "registry.Registry.Clear",
      "registry.Registry.VersionOf",
      "registry.Registry.Bump",
      "registry.Registry.Watch",
      "registry.Registry.Latest",
    ]);
  });
});

describe("generated stubs: gostorage (Go Gorums' storage.proto) on three symmetric replicas", () => {
  let config: Configuration | undefined;

  /** Go's examples/storage server: last writer wins by time; nested calls through ServerCtx.config(). */
  function storageServer(): { impl: StorageServer; store: Map<string, { value: string; time: Date }> } {
    const store = new Map<string, { value: string; time: Date }>();
    const read = (req: ReadRequest) => {
      const s = store.get(req.key);
      return s === undefined ? { OK: false } : { OK: true, value: s.value, time: timestampFromDate(s.time) };
    };
    const writeReq = (req: WriteRequest) => {
      const old = store.get(req.key);
      const time = req.time === undefined ? new Date(0) : timestampDate(req.time);
      if (old !== undefined && old.time > time) {
        return { new: false };
      }
      store.set(req.key, { value: req.value, time });
      return { new: true };
    };
    const impl: StorageServer = {
      readRPC: (_ctx, req) => read(req),
      writeRPC: (_ctx, req) => writeReq(req),
      writeUnicast: (_ctx, req) => void writeReq(req),
      writeMulticast: (_ctx, req) => void writeReq(req),
      readQC: (_ctx, req) => read(req),
      writeQC: (_ctx, req) => writeReq(req),
      async readNestedQC(ctx, req) {
        const cfg = ctx.config();
        if (cfg.size === 0) {
          throw new Error("read_nested_qc: requires server peer configuration");
        }
        // Release before nested outbound calls, as Go's example does.
        ctx.release();
        return newestValue(await readQC(cfg.context({ signal: ctx.signal }), req).results().collectAll());
      },
      async writeNestedMulticast(ctx, req) {
        const cfg = ctx.config();
        if (cfg.size === 0) {
          throw new Error("write_nested_multicast: requires server peer configuration");
        }
        ctx.release();
        await writeMulticast(cfg.context({ signal: ctx.signal }), req);
        return { new: true };
      },
      async readCorrectable(_ctx, req, send) {
        await send(read(req));
      },
    };
    return { impl, store };
  }

  function newestValue(replies: Map<number, ReadResponse>): ReadResponse {
    let newest: ReadResponse | undefined;
    for (const r of replies.values()) {
      if (newest === undefined || (r.time !== undefined && (newest.time === undefined || timestampDate(r.time) > timestampDate(newest.time)))) {
        newest = r;
      }
    }
    if (newest === undefined) {
      throw ErrIncomplete;
    }
    return newest;
  }

  it("writes and reads through every call type, nested calls included", async () => {
    const local = await newLocalSystems(3);
    cleanup(local.stop);
    const stores = local.systems.map((s) => {
      const { impl, store } = storageServer();
      s.registerService((srv) => registerStorageServer(srv, impl));
      return store;
    });
    await Promise.all(local.systems.map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(timeoutMs) })));
    // An external client: node i is system i.
    config = testConfig(withNodeList(local.systems.map((s) => s.addr)));
    const ctx = () => config!.context({ timeoutMs });
    const node = (id: number) => config!.node(id)!.context({ timeoutMs });
    const t = (ms: number) => timestampFromDate(new Date(Date.UTC(2026, 0, 1) + ms));

    // WriteQC on all three, then ReadQC: a majority agrees.
    const w = await writeQC(ctx(), { key: "k", value: "v1", time: t(1000) }).results().collectAll();
    expect([1, 2, 3].map((id) => w.get(id)?.new)).toEqual([true, true, true]);
    const r = await readQC(ctx(), { key: "k" }).majority();
    expect(r).toMatchObject({ OK: true, value: "v1" });
    expect(timestampDate(r.time!).getTime()).toBe(Date.UTC(2026, 0, 1) + 1000);

    // WriteRPC with an older time is refused; ReadRPC sees the old value.
    expect((await writeRPC(node(1), { key: "k", value: "old", time: t(0) })).new).toBe(false);
    expect(await readRPC(node(1), { key: "k" })).toMatchObject({ OK: true, value: "v1" });
    expect((await readRPC(node(1), { key: "missing" })).OK).toBe(false);

    // WriteUnicast of a newer value to node 2 only.
    await storageWriteUnicast(config.node(2)!.context(), { key: "k", value: "v2", time: t(2000) });
    expect((await readRPC(node(2), { key: "k" })).value).toBe("v2");
    expect(stores.map((s) => s.get("k")?.value)).toEqual(["v1", "v2", "v1"]);

    // ReadNestedQC: each replica reads from its peers and returns the newest.
    const nested = await readNestedQC(ctx(), { key: "k" }).results().collectAll();
    expect([1, 2, 3].map((id) => nested.get(id)?.value)).toEqual(["v2", "v2", "v2"]);

    // WriteNestedMulticast sent to replica 1 alone: it multicasts to all.
    const one = config.remove(2, 3);
    expect((await writeNestedMulticast(one.context({ timeoutMs }), { key: "k", value: "v3", time: t(3000) }).all()).new).toBe(true);
    await waitUntil(() => stores.every((s) => s.get("k")?.value === "v3"), "the nested multicast on every replica", timeoutMs);

    // WriteMulticast from the client.
    await writeMulticast(ctx(), { key: "m", value: "mv", time: t(0) });
    await waitUntil(() => stores.every((s) => s.get("m")?.value === "mv"), "the multicast on every replica", timeoutMs);

    // ReadCorrectable: one reply per replica.
    const c = readCorrectable(ctx(), { key: "k" }).correctable(3);
    await c.done;
    expect(c.get()).toMatchObject({ level: 3, value: { OK: true, value: "v3" } });
    expect(c.get().value?.$typeName).toBe("gostorage.ReadResponse");
  });
});

describe("generated stubs: a partial implementation (testsvc with only Echo)", () => {
  let config: Configuration | undefined;

  /** Three servers, each registering `impl(id)` (node id) through registerTestServiceServer. */
  const setup = async (impl: (id: number) => Partial<TestServiceServer>) => {
    config = configOf(await startServersWith(3, (server, _state, id) => registerTestServiceServer(server, impl(id))));
    return config;
  };
  const echoOnly = (id: number): Partial<TestServiceServer> => ({
    echo: (_ctx, req) => ({ value: `echo: ${req.value}`, num: BigInt(id) }),
  });
  /** A node's error is Unimplemented "testsvc.TestService.<method> is not implemented". */
  const expectUnimplemented = (err: unknown, method: string) => {
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
    expect((err as ConnectError).rawMessage).toBe(`testsvc.TestService.${method} is not implemented`);
  };

  it("rpc: a method left out answers Unimplemented with its full name; the method given answers", async () => {
    const cfg = await setup(echoOnly);
    const node = cfg.node(2)!;
    expectUnimplemented(await expectCode(echoRPC(node.context({ timeoutMs }), { value: "x" }), Code.Unimplemented), "EchoRPC");
    expect(await echo(node.context({ timeoutMs }), { value: "x" })).toMatchObject({ value: "echo: x", num: 2n });
  });

  it("quorum call: every node answers Unimplemented", async () => {
    const cfg = await setup(echoOnly);
    const err = await expectQuorumError(echoQC(cfg.context({ timeoutMs }), { value: "x" }).majority(), ErrIncomplete);
    // A majority is out of reach after two failures: the call fails then.
    expect(err.nodeErrors.length).toBeGreaterThanOrEqual(2);
    expect(err.nodeErrors.length + (err.counts?.notAnswered ?? 0)).toBe(3);
    for (const { error } of err.nodeErrors) {
      expectUnimplemented(error, "EchoQC");
    }
  });

  it("streaming quorum call: every node's one result is Unimplemented", async () => {
    const cfg = await setup(echoOnly);
    const results = [];
    // An error reply does not end a node's stream of replies (the call ends at its deadline): stop at three.
    for await (const r of echoStream(cfg.context({ timeoutMs }), { value: "x" }).results()) {
      results.push(r);
      if (results.length === 3) {
        break;
      }
    }
    expect(results.map((r) => r.nodeID).sort()).toEqual([1, 2, 3]);
    for (const r of results) {
      expect(r.value).toBeUndefined();
      expectUnimplemented(r.error, "EchoStream");
    }
  });

  it("one-way calls (unicast, multicast) to methods left out answer nothing, log nothing and break nothing", async () => {
    const logged = (["error", "warn", "log", "info", "debug"] as const).map((level) => vi.spyOn(console, level));
    cleanup(() => vi.restoreAllMocks());
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const cfg = await setup(echoOnly);
      for (let i = 0; i < 3; i++) {
        await writeUnicast(cfg.node(1)!.context(), { value: "u" });
        await write(cfg.context(), { value: "m" });
      }
      // Requests on a node's one stream are served in order: once Echo answers, the one-way calls were served.
      for (const id of [1, 2, 3]) {
        expect(await echo(cfg.node(id)!.context({ timeoutMs }), { value: "after" })).toMatchObject({ num: BigInt(id) });
      }
      for (const spy of logged) {
        expect(spy).not.toHaveBeenCalled();
      }
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("an empty implementation registers every method as Unimplemented", async () => {
    const cfg = await setup(() => ({}));
    expectUnimplemented(await expectCode(echo(cfg.node(1)!.context({ timeoutMs }), { value: "x" }), Code.Unimplemented), "Echo");
  });

  it("the methods given run bound to the implementation (a class instance's methods see `this`)", async () => {
    class Echoer implements Partial<TestServiceServer> {
      constructor(private readonly id: number) {}
      echo(_ctx: ServerCtx, req: Request) {
        return { value: `echo from ${this.id}: ${req.value}`, num: BigInt(this.id) };
      }
    }
    const cfg = await setup((id) => new Echoer(id));
    expect(await echo(cfg.node(3)!.context({ timeoutMs }), { value: "x" })).toMatchObject({ value: "echo from 3: x", num: 3n });
  });
});
