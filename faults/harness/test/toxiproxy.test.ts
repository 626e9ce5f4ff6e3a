/**
 * The Toxiproxy client of the fault harness against a real Toxiproxy server
 * (built from faults/toxiproxy/go.mod) and a TCP echo server on 127.0.0.1:
 * each toxic of the client does to a connection what it stands for.
 * Needs go (skipped loudly without it, except on CI, where it fails).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveGo } from "../src/checker.js";
import { buildToxiproxy, Toxiproxy } from "../src/toxiproxy.js";

const GO = haveGo();
if (!GO) {
  console.error("\n*** toxiproxy: `go` is not on PATH: Toxiproxy cannot be built; its tests are SKIPPED ***\n");
}

/** A connection through the proxy: what it received, and how it ended. */
interface Probe {
  /** The proxy's address. */
  address: string;
  socket: Socket;
  received(): string;
  ended: Promise<string>;
}

function connect(address: string): Promise<Probe> {
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      data += d;
    });
    const ended = new Promise<string>((res) => {
      socket.once("error", (err: NodeJS.ErrnoException) => res(err.code ?? err.message));
      socket.once("close", () => res("closed"));
    });
    socket.once("error", reject);
    socket.connect(port, host, () => {
      socket.off("error", reject);
      resolve({ address, socket, received: () => data, ended });
    });
  });
}

/** Sends `text` and resolves with the ms until it came back, or undefined after `waitMs`. */
async function echoMs(p: Probe, text: string, waitMs = 3000): Promise<number | undefined> {
  const start = performance.now();
  const before = p.received().length;
  p.socket.write(text);
  while (performance.now() - start < waitMs) {
    if (p.received().length >= before + text.length) {
      return performance.now() - start;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return undefined;
}

describe.skipIf(!GO && process.env.CI !== "true")("Toxiproxy through the harness client", () => {
  let dir = "";
  let toxiproxy: Toxiproxy;
  let echo: Server | undefined;
  let upstream = "";
  const open: Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "toxiproxy-"));
    toxiproxy = await Toxiproxy.start(await buildToxiproxy(dir), { seed: 7 });
    const server = createServer((s) => {
      // reset_peer resets the proxy's upstream connection too.
      s.on("error", () => s.destroy());
      s.pipe(s);
    });
    echo = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const a = server.address();
    upstream = `127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}`;
  }, 180_000);
  afterAll(async () => {
    for (const s of open) {
      s.destroy();
    }
    await toxiproxy?.stop();
    await new Promise((resolve) => (echo === undefined ? resolve(undefined) : echo.close(resolve)));
    rmSync(dir, { recursive: true, force: true });
  });

  async function through(name: string): Promise<Probe> {
    const p = await connect(await toxiproxy.createProxy(name, upstream));
    open.push(p.socket);
    return p;
  }

  it("forwards, and latency with jitter delays each direction by latency ± jitter", async () => {
    const p = await through("latency");
    expect(await echoMs(p, "a")).toBeLessThan(100);
    await toxiproxy.addToxic("latency", { name: "slow", stream: "upstream", toxic: { type: "latency", latency: 200, jitter: 50 } });
    expect(await toxiproxy.toxics("latency")).toEqual(["slow"]);
    const slow = (await echoMs(p, "b")) ?? Infinity;
    expect(slow).toBeGreaterThanOrEqual(140);
    expect(slow).toBeLessThan(2000);
    await toxiproxy.removeToxic("latency", "slow");
    expect(await toxiproxy.toxics("latency")).toEqual([]);
    expect(await echoMs(p, "c")).toBeLessThan(100);
  });

  it("reset_peer ends an open connection once data arrives, and resets (RST) the connections made while it is on", async () => {
    const p = await through("reset");
    expect(await echoMs(p, "a")).toBeDefined();
    await toxiproxy.addToxic("reset", { name: "rst", stream: "upstream", toxic: { type: "reset_peer", timeout: 0 } });
    p.socket.write("b");
    // Toxiproxy sets SO_LINGER 0 (a RST on close) when a connection starts; one open before the toxic gets a FIN.
    expect(await p.ended).toBe("closed");
    const later = await connect(p.address);
    open.push(later.socket);
    later.socket.write("c");
    expect(await later.ended).toBe("ECONNRESET");
    await toxiproxy.removeToxic("reset", "rst");
    const healed = await connect(p.address);
    open.push(healed.socket);
    expect(await echoMs(healed, "d")).toBeDefined();
  });

  it("timeout 0 drops everything and keeps the connection open; removing it closes the connection", async () => {
    const p = await through("stall");
    await toxiproxy.addToxic("stall", { name: "stall", stream: "upstream", toxic: { type: "timeout", timeout: 0 } });
    expect(await echoMs(p, "a", 500)).toBeUndefined();
    expect(p.socket.destroyed).toBe(false);
    await toxiproxy.removeToxic("stall", "stall");
    expect(await p.ended).toBe("closed");
  });

  it("limit_data closes a connection after so many bytes", async () => {
    const p = await through("limit");
    await toxiproxy.addToxic("limit", { name: "cut", stream: "downstream", toxic: { type: "limit_data", bytes: 4 } });
    p.socket.write("0123456789");
    expect(await p.ended).toBe("closed");
    expect(p.received()).toBe("0123");
  });

  it("slicer passes everything, in small chunks spaced by its delay", async () => {
    const p = await through("slicer");
    await toxiproxy.addToxic("slicer", { name: "chunks", stream: "upstream", toxic: { type: "slicer", average_size: 10, size_variation: 0, delay: 20_000 } });
    // 100 bytes in 10 chunks 20 ms apart.
    expect(await echoMs(p, "x".repeat(100))).toBeGreaterThanOrEqual(150);
    expect(p.received()).toBe("x".repeat(100));
  });

  it("refuses a proxy it cannot make, with its reason", async () => {
    await toxiproxy.createProxy("twice", upstream);
    await expect(toxiproxy.createProxy("twice", upstream)).rejects.toThrow(/409/);
  });
});
