/**
 * @gorums/runtime/testing: testServers/testConfiguration/testSystems start
 * real servers on loopback with the caller's handlers, and their cleanup
 * (close, Symbol.asyncDispose, an onCleanup registrar — vitest's here, and
 * node:test's t.after in a spawned `node --test`) stops them.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it, onTestFinished } from "vitest";
import { testConfiguration, testServers, testSystems } from "../../src/testing/index.js";
import { echoQC } from "../gen/testsvc/testsvc_gorums.js";
import { registerTestService, type TestServerState } from "../helpers/test-servers.js";
import { isListening } from "./listening.js";

const state = (): TestServerState => ({ writes: [], nums: [], delayMs: 0, streamReplies: 1 });

describe("testServers", () => {
  it("starts n servers with the handlers, a configuration over them, and close stops them", async () => {
    const seen: number[] = [];
    const ts = await testServers(3, (srv, i) => {
      seen.push(i);
      registerTestService(srv, state(), i + 1);
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(ts.servers).toHaveLength(3);
    expect(ts.config.nodeIDs()).toEqual([1, 2, 3]);
    expect(ts.addrs.every((a) => a.startsWith("127.0.0.1:"))).toBe(true);
    const reply = await echoQC(ts.config.context({ timeoutMs: 5000 }), { value: "x" }).all();
    expect(reply.value).toBe("echo: x");
    for (const addr of ts.addrs) {
      expect(await isListening(addr)).toBe(true);
    }
    await ts.close();
    await ts.close(); // idempotent
    for (const addr of ts.addrs) {
      expect(await isListening(addr)).toBe(false);
    }
  });

  it("hands close to onCleanup, and Symbol.asyncDispose is close", async () => {
    const cleanups: Array<() => Promise<void>> = [];
    const ts = await testServers(2, () => {}, { onCleanup: (fn) => cleanups.push(fn) });
    expect(cleanups).toEqual([ts.close]);
    expect(ts[Symbol.asyncDispose]).toBe(ts.close);
    await ts[Symbol.asyncDispose]();
    expect(await isListening(ts.addrs[0] ?? "")).toBe(false);
  });

  it("stops the servers already started when one fails to start", async () => {
    const made: Array<{ stopped: boolean }> = [];
    const err = await testServers(3, (srv, i) => {
      const seen = { stopped: false };
      made.push(seen);
      const stop = srv.stop.bind(srv);
      srv.stop = () => ((seen.stopped = true), stop());
      if (i === 2) {
        throw new Error("no handlers for you");
      }
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("no handlers for you");
    expect(made.map((m) => m.stopped)).toEqual([true, true, true]);
  });
});

describe("testConfiguration", () => {
  let addrs: string[] = [];
  it("returns the configuration and cleans up through vitest's onTestFinished", async () => {
    const config = await testConfiguration(2, (srv, i) => registerTestService(srv, state(), i + 1), { onCleanup: onTestFinished });
    addrs = config.nodes().map((n) => n.address);
    const reply = await echoQC(config.context({ timeoutMs: 5000 }), { value: "y" }).majority();
    expect(reply.value).toBe("echo: y");
  });
  it("(the servers of the test before are stopped)", async () => {
    expect(addrs).toHaveLength(2);
    for (const addr of addrs) {
      expect(await isListening(addr)).toBe(false);
    }
  });
});

describe("testSystems", () => {
  it("starts n connected symmetric systems with the services, and close stops them", async () => {
    const ts = await testSystems(3, (srv, i) => registerTestService(srv, state(), i + 1));
    for (const system of ts.systems) {
      expect(system.inboundConfig().size).toBe(3);
    }
    const reply = await echoQC(ts.systems[0]!.inboundConfig().context({ timeoutMs: 5000 }), { value: "z" }).all();
    expect(reply.value).toBe("echo: z");
    await ts.close();
    for (const system of ts.systems) {
      expect(await isListening(system.addr)).toBe(false);
    }
  });
});

describe("under node:test", () => {
  it("t.after as onCleanup stops the servers (built dist, package subpath)", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/node-test-cleanup.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ["--test", "--test-reporter=spec", fixture], { cwd: fileURLToPath(new URL("../..", import.meta.url)) });
    expect(stdout).toMatch(/pass 2/);
    expect(stdout).toMatch(/fail 0/);
  }, 30_000);
});
