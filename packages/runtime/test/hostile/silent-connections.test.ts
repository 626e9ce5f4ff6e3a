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
import { describe, expect, it } from "vitest";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, withNodeList } from "../../src/index.js";
import { echoRPC } from "../gen/testsvc/testsvc_gorums.js";
import { cleanup, testConfig } from "../helpers/test-servers.js";
import { testWatchedServer } from "./helpers.js";
import { PREFACE, rawH2 } from "./raw-h2.js";

const HANDSHAKE_MS = 300;

/** A plain TCP connection to `addr` that sends `bytes` (maybe none) and then nothing; destroyed when the test ends. */
async function silentSocket(addr: string, bytes?: Uint8Array): Promise<{ closedByServer: Promise<number> }> {
  const sock = net.connect({ host: "127.0.0.1", port: Number(addr.split(":")[1]) });
  cleanup(() => sock.destroy());
  sock.on("error", () => {});
  sock.on("data", () => {});
  await new Promise<void>((resolve) => sock.once("connect", () => resolve()));
  const opened = Date.now();
  if (bytes !== undefined) {
    sock.write(bytes);
  }
  const closedByServer = new Promise<number>((resolve) => sock.once("close", () => resolve(Date.now() - opened)));
  return { closedByServer };
}

describe("connections that never start HTTP/2", () => {
  /** A watched server with handshakeTimeoutMs (the default when undefined), gone when the test ends. */
  const start = (handshakeTimeoutMs?: number) => testWatchedServer(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {});

  it("a silent socket and one that stops half-way through the preface are dropped after handshakeTimeoutMs", async () => {
    const { addr, good } = await start(HANDSHAKE_MS);
    const silent = await silentSocket(addr);
    const half = await silentSocket(addr, PREFACE.subarray(0, 12));
    const [silentMs, halfMs] = await Promise.all([silent.closedByServer, half.closedByServer]);
    // Not before the timeout (a little slack for timer granularity), and not long after it.
    expect(silentMs).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
    expect(halfMs).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
    expect(Math.max(silentMs, halfMs)).toBeLessThan(HANDSHAKE_MS + 5000);
    await good.expectServed("after silent sockets");
  });

  it("a connection that started HTTP/2 stays open, idle, well past the handshake timeout", async () => {
    const { addr, good } = await start(HANDSHAKE_MS);
    const idle = await rawH2(addr); // preface and SETTINGS, then nothing
    cleanup(() => idle.destroy());
    let closed = false;
    void idle.closed.then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, HANDSHAKE_MS * 4));
    expect(closed).toBe(false);
    await good.expectServed("idle but valid");
  });

  for (const off of [0, Infinity]) {
    it(`handshakeTimeoutMs ${off} turns the timeout off: clients are served, a silent socket stays`, async () => {
      const { addr } = await start(off);
      // Fresh connections (a config each) all work: nothing drops a session early.
      for (let i = 0; i < 5; i++) {
        const config = testConfig(withNodeList([addr]));
        expect((await echoRPC(config.nodes()[0]!.context({ timeoutMs: 5000 }), { value: `c${i}` })).value).toBe(`echo: c${i}`);
      }
      const silent = await silentSocket(addr);
      const outcome = await Promise.race([silent.closedByServer.then(() => "closed"), new Promise((r) => setTimeout(() => r("open"), HANDSHAKE_MS * 2))]);
      expect(outcome).toBe("open");
    });
  }

  it("by default a silent socket is kept for grpc-go's 120 s, not dropped at once", async () => {
    expect(DEFAULT_HANDSHAKE_TIMEOUT_MS).toBe(120_000);
    const { addr } = await start();
    const silent = await silentSocket(addr);
    const outcome = await Promise.race([silent.closedByServer.then(() => "closed"), new Promise((r) => setTimeout(() => r("open"), HANDSHAKE_MS * 3))]);
    expect(outcome).toBe("open");
  });
});
