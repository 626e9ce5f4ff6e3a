/**
 * A process ends when its work ends (issue 17 item 8): a client script that
 * never closes its configuration exits by itself once its calls are done,
 * as with undici's idle sockets — its idle connection does not keep the
 * event loop alive — while a call still in flight does keep it alive until
 * the reply is in. The client runs in a child process (plain node on the
 * built runtime); the server runs here.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startNodeChild } from "../helpers/child-process.js";
import { startTestServers } from "../helpers/test-servers.js";

const CLIENT = fileURLToPath(new URL("./idle-client-process.mjs", import.meta.url));

/** Runs the client against `addr` (stdin closed: nothing from this process keeps it alive); resolves with its exit code, stdout and run time, or rejects after `limitMs`. */
async function runClient(addr: string, value: string, limitMs: number, protocol: Protocol): Promise<{ code: number | null; out: string; ms: number }> {
  const start = Date.now();
  const client = startNodeChild(CLIENT, [addr, value, protocol], { stdin: "ignore" });
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the client did not exit within ${limitMs} ms (stdout: ${JSON.stringify(client.stdout())}, stderr: ${client.stderr()})`)), limitMs);
  });
  try {
    const { code } = await Promise.race([client.exited, tooLong]);
    return { code, out: client.stdout(), ms: Date.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

type Protocol = "grpc" | "connect";

// Both protocols: gRPC on our HTTP/2 stream, Connect on connect-node's session.
describe.each<Protocol>(["grpc", "connect"])("an idle client does not keep its process alive (%s)", (protocol) => {
  it("a client that never closes exits once its calls are done", async () => {
    const servers = await startTestServers(1);
    const { code, out } = await runClient(servers[0]?.addr ?? "", "idle", 5000, protocol);
    expect(out).toBe("echo: idle\necho: idle\n");
    expect(code).toBe(0);
  }, 10_000);

  it("a call in flight keeps it alive until the reply is in", async () => {
    const [server] = await startTestServers(1);
    if (server === undefined) throw new Error("no server");
    server.state.delayMs = 1500;
    const { code, out, ms } = await runClient(server.addr, "slow", 8000, protocol);
    expect(out).toBe("echo: slow\necho: slow\n");
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(3000); // two calls of 1.5 s each, waited for
  }, 15_000);
});
