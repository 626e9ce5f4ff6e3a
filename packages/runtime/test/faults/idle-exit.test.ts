/**
 * A process ends when its work ends (issue 17 item 8): a client script that
 * never closes its configuration exits by itself once its calls are done,
 * as with undici's idle sockets — its idle connection does not keep the
 * event loop alive — while a call still in flight does keep it alive until
 * the reply is in. The client runs in a child process (plain node on the
 * built runtime); the server runs here.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startTestServers, stopAll, type TestServer } from "../helpers/test-servers.js";
import { requireDist } from "./server-process.js";

const CLIENT = fileURLToPath(new URL("./idle-client-process.mjs", import.meta.url));

/** Runs the client against `addr`; resolves with its exit code, stdout and run time, or rejects after `limitMs`. */
function runClient(addr: string, value: string, limitMs: number, protocol: Protocol): Promise<{ code: number | null; out: string; ms: number }> {
  requireDist();
  const start = Date.now();
  const child = spawn(process.execPath, [CLIENT, addr, value, protocol], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the client did not exit within ${limitMs} ms (stdout: ${JSON.stringify(out)}, stderr: ${err})`));
    }, limitMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - start });
    });
  });
}

type Protocol = "grpc" | "connect";

// Both protocols: gRPC on our HTTP/2 stream, Connect on connect-node's session.
describe.each<Protocol>(["grpc", "connect"])("an idle client does not keep its process alive (%s)", (protocol) => {
  let servers: TestServer[] = [];

  it("a client that never closes exits once its calls are done", async () => {
    servers = await startTestServers(1);
    try {
      const { code, out } = await runClient(servers[0]?.addr ?? "", "idle", 5000, protocol);
      expect(out).toBe("echo: idle\necho: idle\n");
      expect(code).toBe(0);
    } finally {
      await stopAll(servers);
    }
  }, 10_000);

  it("a call in flight keeps it alive until the reply is in", async () => {
    servers = await startTestServers(1);
    const server = servers[0];
    if (server === undefined) throw new Error("no server");
    server.state.delayMs = 1500;
    try {
      const { code, out, ms } = await runClient(server.addr, "slow", 8000, protocol);
      expect(out).toBe("echo: slow\necho: slow\n");
      expect(code).toBe(0);
      expect(ms).toBeGreaterThanOrEqual(3000); // two calls of 1.5 s each, waited for
    } finally {
      await stopAll(servers);
    }
  }, 15_000);
});
