/**
 * Server.stop(), System.stop() and Configuration.close() leave no open
 * handles (issue 7 item 3): a child node process (fixtures/lifecycle-child.ts,
 * run from source through fixtures/ts-register.mjs) creates plain and TLS
 * servers, configurations, a client that serves calls back, symmetric
 * systems and a client-peer system, makes every kind of call (some
 * canceled or timed out, one graceful stop), stops and closes everything,
 * and must then exit by itself with code 0 — it never calls process.exit;
 * its unref'd watchdog fails it (exit 3, listing what is still open) if it
 * is still running 5 s after stopping. The control: with one server left
 * running, the watchdog does catch it. (Go behavior 81: Stop closes the
 * listener and everything registered; here, nothing may stay open at all.)
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const register = fileURLToPath(new URL("./fixtures/ts-register.mjs", import.meta.url));
const child = fileURLToPath(new URL("./fixtures/lifecycle-child.ts", import.meta.url));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the child; resolves with how it ended (killed after `timeoutMs` if it has not). */
function runChild(env: Record<string, string>, timeoutMs = 40_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", register, child], { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: e === null ? 0 : typeof e.code === "number" ? e.code : null, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

let tlsDir = "";

beforeAll(() => {
  tlsDir = mkdtempSync(join(tmpdir(), "gorums-handles-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
     "-keyout", join(tlsDir, "key.pem"), "-out", join(tlsDir, "cert.pem"), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    { stdio: "pipe" },
  );
});

afterAll(() => {
  rmSync(tlsDir, { recursive: true, force: true });
});

describe.concurrent("open handles after stop and close", () => {
  it("a process that stopped its servers and systems and closed its configurations exits by itself", { timeout: 60_000 }, async () => {
    const out = await runChild({ GORUMS_TEST_TLS_DIR: tlsDir });
    const report = `exit ${out.code} ${out.signal ?? ""}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`;
    expect(out.stderr, report).not.toMatch(/still running|child failed/);
    expect(out.code, report).toBe(0);
    for (const step of ["plain servers: done", "tls servers: done", "callback client: done", "systems: done", "stopped;"]) {
      expect(out.stdout, report).toContain(step);
    }
    expect(out.stdout, report).toMatch(/exited \d+ ms after stopping/);
  });

  it("the control: a server left running keeps the process alive, and the watchdog says so", { timeout: 60_000 }, async () => {
    const out = await runChild({ GORUMS_TEST_LEAK: "server" });
    expect(out.code).toBe(3);
    expect(out.stdout).toContain("stopped;");
    expect(out.stderr).toMatch(/still running 5 s after everything stopped; active resources: .*TCPServerWrap/);
  });
});
