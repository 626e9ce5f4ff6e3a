/**
 * Connections that never start HTTP/2 (issue 7 item 2): a socket that sends
 * nothing, or only part of the connection preface, holds a file descriptor
 * forever unless the server drops it. `ServerOptions.handshakeTimeoutMs`
 * (default 120 s, grpc-go's connection timeout) drops a connection whose
 * HTTP/2 SETTINGS have not arrived in time; a connection that did start
 * HTTP/2 stays however idle it is, and a well-behaved client is served
 * throughout. 0 and Infinity turn it off. The default itself is checked on a
 * server without the option.
 */
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, newConfig, Server, withNodeList } from "../../src/index.js";
import { echoRPC } from "../gen/testsvc/testsvc_gorums.js";
import { registerTestService } from "../helpers/test-servers.js";
import { countGoodStreams, type GoodClient, goodClient } from "./helpers.js";
import { PREFACE, rawH2 } from "./raw-h2.js";

const HANDSHAKE_MS = 300;

/** A plain TCP connection to `addr` that sends `bytes` (maybe none) and then nothing. */
async function silentSocket(addr: string, bytes?: Uint8Array): Promise<{ closedByServer: Promise<number>; destroy: () => void }> {
  const sock = net.connect({ host: "127.0.0.1", port: Number(addr.split(":")[1]) });
  sock.on("error", () => {});
  sock.on("data", () => {});
  await new Promise<void>((resolve) => sock.once("connect", () => resolve()));
  const opened = Date.now();
  if (bytes !== undefined) {
    sock.write(bytes);
  }
  const closedByServer = new Promise<number>((resolve) => sock.once("close", () => resolve(Date.now() - opened)));
  return { closedByServer, destroy: () => sock.destroy() };
}

describe("connections that never start HTTP/2", () => {
  let server: Server | undefined;
  let good: GoodClient | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) {
      c();
    }
    await good?.close();
    good = undefined;
    await server?.stop();
    server = undefined;
  });

  async function start(handshakeTimeoutMs?: number): Promise<string> {
    const goodStreams = { n: 0 };
    server = new Server({ onConnect: countGoodStreams(goodStreams), ...(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {}) });
    registerTestService(server, { writes: [], nums: [], delayMs: 0, streamReplies: 1 }, 1);
    const addr = await server.listen("127.0.0.1:0");
    good = await goodClient(addr, () => goodStreams.n);
    return addr;
  }

  it("a silent socket and one that stops half-way through the preface are dropped after handshakeTimeoutMs", async () => {
    const addr = await start(HANDSHAKE_MS);
    const silent = await silentSocket(addr);
    const half = await silentSocket(addr, PREFACE.subarray(0, 12));
    cleanups.push(silent.destroy, half.destroy);
    const [silentMs, halfMs] = await Promise.all([silent.closedByServer, half.closedByServer]);
    // Not before the timeout (a little slack for timer granularity), and not long after it.
    expect(silentMs).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
    expect(halfMs).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
    expect(Math.max(silentMs, halfMs)).toBeLessThan(HANDSHAKE_MS + 5000);
    await good!.expectServed("after silent sockets");
  });

  it("a connection that started HTTP/2 stays open, idle, well past the handshake timeout", async () => {
    const addr = await start(HANDSHAKE_MS);
    const idle = await rawH2(addr); // preface and SETTINGS, then nothing
    cleanups.push(() => idle.destroy());
    let closed = false;
    void idle.closed.then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, HANDSHAKE_MS * 4));
    expect(closed).toBe(false);
    await good!.expectServed("idle but valid");
  });

  for (const off of [0, Infinity]) {
    it(`handshakeTimeoutMs ${off} turns the timeout off: clients are served, a silent socket stays`, async () => {
      const addr = await start(off);
      // Fresh connections (a config each) all work: nothing drops a session early.
      for (let i = 0; i < 5; i++) {
        const config = newConfig(withNodeList([addr]));
        try {
          expect((await echoRPC(config.nodes()[0]!.context({ timeoutMs: 5000 }), { value: `c${i}` })).value).toBe(`echo: c${i}`);
        } finally {
          await config.close();
        }
      }
      const silent = await silentSocket(addr);
      cleanups.push(silent.destroy);
      const outcome = await Promise.race([silent.closedByServer.then(() => "closed"), new Promise((r) => setTimeout(() => r("open"), HANDSHAKE_MS * 2))]);
      expect(outcome).toBe("open");
    });
  }

  it("by default a silent socket is kept for grpc-go's 120 s, not dropped at once", async () => {
    expect(DEFAULT_HANDSHAKE_TIMEOUT_MS).toBe(120_000);
    const addr = await start();
    const silent = await silentSocket(addr);
    cleanups.push(silent.destroy);
    const outcome = await Promise.race([silent.closedByServer.then(() => "closed"), new Promise((r) => setTimeout(() => r("open"), HANDSHAKE_MS * 3))]);
    expect(outcome).toBe("open");
  });
});
