/**
 * Closed configurations leave nothing behind for the garbage collector to
 * keep (issue 7 item 3, heap flat across connection churn): a child process
 * (fixtures/session-gc-child.ts, --expose-gc) opens and closes 100
 * configurations, one rpc each, and counts with a FinalizationRegistry how
 * many of their client HTTP/2 sessions are reclaimed.
 *
 * On both streams, all of them are. On the connect-node stream (the Connect
 * protocol, wire/connect-client-stream.ts) closing the dialer aborts connect-node's Http2SessionManager, but the NodeStream's
 * own "close" event re-arms the session's idle timer afterwards (connect-node's
 * default idleConnectionTimeoutMs is 15 min), which kept every closed session
 * alive that long. The connect-node dialer now sets a 1 s idle timeout; this
 * test fails without it.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const register = fileURLToPath(new URL("./fixtures/ts-register.mjs", import.meta.url));
const child = fileURLToPath(new URL("./fixtures/session-gc-child.ts", import.meta.url));

function sessionsCollected(protocol: "grpc" | "connect"): Promise<{ created: number; collected: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--expose-gc", "--import", register, child, protocol], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`child failed: ${err.message}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { created: number; collected: number });
    });
  });
}

describe.concurrent("HTTP/2 sessions of closed configurations are garbage", () => {
  it("gRPC protocol (node:http2 stream): every session is reclaimed", { timeout: 60_000 }, async () => {
    const { created, collected } = await sessionsCollected("grpc");
    expect(created).toBe(100);
    expect(collected).toBeGreaterThanOrEqual(90);
  });

  it("Connect protocol (connect-node stream): every session is reclaimed", { timeout: 60_000 }, async () => {
    const { created, collected } = await sessionsCollected("connect");
    expect(created).toBe(100);
    expect(collected).toBeGreaterThanOrEqual(90);
  });
});
