/**
 * Smoke test of `pnpm bench` (packages/runtime/bench): compiles it as the
 * root script does, runs it very briefly against real server processes and
 * checks that it prints result rows, ratios and target lines, writes JSON
 * and a chart when asked, and exits 0. No timing assertions: the numbers
 * are whatever this (shared) machine gives.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { requiredGorumsVersion } from "../bench/go-gorums.js";

const runtimeDir = resolve(fileURLToPath(import.meta.url), "../..");
const benchMain = join(runtimeDir, "bench/dist/bench/main.js");
const benchGo = join(runtimeDir, "bench/dist/bench/go-bench.js");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Whether the go command is here: bench:go builds the released Go Gorums with it. */
const goInstalled = (() => {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!goInstalled) {
  const msg = "go is not on PATH: bench:go's released Go Gorums pairing is not tested";
  if (process.env.CI === "true") {
    throw new Error(msg);
  }
  console.warn(`\n*** ${msg}; SKIPPING it ***\n`);
}

function run(file: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("pnpm bench (smoke)", () => {
  beforeAll(async () => {
    const built = await run(tsc, ["-p", join(runtimeDir, "bench/tsconfig.json")], 170_000);
    expect(built.stdout + built.stderr).toBe("");
    expect(built.code).toBe(0);
  }, 180_000);

  it("runs a brief quorum call with the raw baseline and --svg: result rows, ratios, target lines, a chart, exit 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gorums-bench-"));
    try {
      const svg = join(dir, "chart.svg");
      const { code, stdout, stderr } = await run(
        benchMain,
        ["--time", "0.3", "--warmup", "0", "--benchmarks", "^QuorumCall$", "--config-size", "2", "--baselines", "raw", "--svg", svg],
        120_000,
      );
      expect(stderr).not.toMatch(/FAILED|failed:/);
      expect(code).toBe(0);
      // Header, then a table row per run: the quorum call at 64 and 1 in flight, the raw echo at both.
      expect(stdout).toMatch(/^gorums-ts bench: 2 servers, quorum 2, 16-byte payload, 64 in flight/m);
      const rows = stdout.split("\n").filter((l) => /^(QuorumCall|raw echo)\s/.test(l));
      expect(rows).toHaveLength(4);
      const qc = rows.find((l) => /^QuorumCall\s+gRPC\/http2\s+2\/2\s+64\s/.test(l));
      expect(qc).toBeDefined();
      // calls/s is a positive number and the ratio to the raw echo is printed.
      const callsPerSec = Number((qc as string).split(/\s{2,}/)[4]?.replace(/,/g, ""));
      expect(callsPerSec).toBeGreaterThan(0);
      expect(qc).toMatch(/\d+\.\d+×/);
      expect(stdout).toMatch(/^(PASS|FAIL)[ ?] quorum-call message rate/m);
      expect(stdout).toMatch(/^(PASS|FAIL) {2}median latency of a lone quorum call/m);
      // The chart: a line per protocol, a dot per window (1, 4, 16, 64, 256).
      const text = readFileSync(svg, "utf8");
      expect(text.startsWith("<svg")).toBe(true);
      expect(text).toContain("gRPC protocol, our http2 NodeStream");
      expect(text).toContain("Connect protocol, connect-node NodeStream");
      expect(text.match(/<circle [^>]*><title>/g)).toHaveLength(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it("--json: the reverse-direction quorum call, an rpc and the call-lifetime pair as JSON, with memory and CPU", async () => {
    const { code, stdout } = await run(
      benchMain,
      ["--time", "0.3", "--warmup", "0", "--benchmarks", "^(Rpc|ReverseQuorumCall|DeadlineQuorumCall|SlowQuorumCall)$", "--config-size", "2", "--concurrent", "4", "--no-baselines", "--json"],
      120_000,
    );
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      machine: { cpus: number; node: string };
      results: Array<{
        name: string;
        caller: string;
        nodes: number;
        stats: { calls: number; callsPerSec: number; medianMs: number };
        memory: { rss: number; heapUsed: number };
        cpu?: { caller: number };
      }>;
      failures: string[];
    };
    expect(out.failures).toEqual([]);
    expect(out.machine.node).toBe(process.version);
    expect(out.results.map((r) => r.name)).toEqual(["DeadlineQuorumCall", "SlowQuorumCall", "SlowQuorumCall", "Rpc", "ReverseQuorumCall"]);
    for (const r of out.results) {
      expect(r.stats.calls).toBeGreaterThan(0);
      expect(r.stats.medianMs).toBeGreaterThan(0);
      expect(r.memory.rss).toBeGreaterThan(r.memory.heapUsed);
      expect(r.cpu?.caller).toBeGreaterThan(0);
    }
    const reverse = out.results[4];
    expect(reverse?.caller).toBe("server");
    expect(reverse?.nodes).toBe(2);
  }, 150_000);

  it("pnpm bench:go: the TS → TS pairing at both settings as a table and JSON; the Go pairings listed with the reason they did not run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gorums-bench-go-"));
    try {
      const json = join(dir, "go.json");
      // Both Go programs named as missing files: no build of Go Gorums is attempted here.
      const env = { GORUMS_GO_BENCHMARK: join(dir, "no-such-benchmark"), GORUMS_GO_RELEASE_BENCHMARK: join(dir, "no-such-release") };
      const { code, stdout, stderr } = await run(benchGo, ["--time", "0.2", "--warmup", "0.05", "--repeat", "1", "--config-size", "2", "--idle-peers", "20", "--json", json], 120_000, env);
      expect(stderr).not.toMatch(/bench:go: Error/);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^gorums-ts bench:go: QuorumCall of Go Gorums' benchmark service, 2 servers .*quorum 2/m);
      expect(stdout).toMatch(/Go → TS and TS → Go pairings did not run: \$GORUMS_GO_BENCHMARK=.* does not exist/);
      expect(stdout).toMatch(/released Go Gorums is unavailable: \$GORUMS_GO_RELEASE_BENCHMARK=.* does not exist/);
      const ts = stdout.split("\n").filter((l) => /\sTS → TS\s/.test(l));
      expect(ts).toHaveLength(2);
      for (const line of ts) {
        expect(Number(line.split(/\s{2,}/)[2]?.replace(/,/g, ""))).toBeGreaterThan(0);
      }
      const out = JSON.parse(readFileSync(json, "utf8")) as BenchGoJson;
      // Seven pairings (four on the current wire, three with the release) at two settings.
      expect(out.results).toHaveLength(14);
      const measured = out.results.filter((r) => r.best !== null);
      expect(measured.map((r) => r.pairing)).toEqual(["TS → TS", "TS → TS"]);
      expect(measured.every((r) => (r.best?.cpuUsPerCall ?? 0) > 0)).toBe(true);
      // Our client times every call: median and p99 (Go's client has only a mean).
      expect(measured.every((r) => (r.best?.medianMs ?? 0) > 0 && (r.best?.p99Ms ?? 0) >= (r.best?.medianMs ?? Infinity))).toBe(true);
      expect(stdout).toMatch(/^memory per idle client peer: .* 20 connections each hold one idle NodeStream$/m);
      expect(stdout).toMatch(/^TS servers\s+-?\d+\.\d\s/m);
      expect(Object.keys(out.idlePeerMemory)).toEqual(["TS servers"]);
      expect(out.idlePeerMemory["TS servers"]).toMatchObject({ peers: 20 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it.skipIf(!goInstalled)("pnpm bench:go with the released Go Gorums (bench/go-release): its Go → Go, Go → TS and TS → Go rows measured, the ratios taken against its Go → Go", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gorums-bench-go-release-"));
    try {
      const json = join(dir, "go.json");
      const { code, stdout, stderr } = await run(benchGo, ["--time", "0.2", "--warmup", "0.05", "--repeat", "1", "--config-size", "2", "--idle-peers", "20", "--json", json], 400_000, {
        GORUMS_GO_BENCHMARK: join(dir, "no-such-benchmark"),
      });
      expect(stderr).not.toMatch(/bench:go: Error/);
      expect(code).toBe(0);
      const release = requiredGorumsVersion(readFileSync(join(runtimeDir, "bench/go-release/go.mod"), "utf8"));
      expect(release).toMatch(/^v\d+\.\d+\.\d+$/);
      const label = `Go → Go, Go Gorums ${release}`;
      expect(stdout).toContain(`ratios against ${label}`);
      const rows = stdout.split("\n").filter((l) => l.includes(label) && !l.startsWith("ratios"));
      expect(rows.filter((l) => /\s1\.00×\s/.test(l))).toHaveLength(2);
      const out = JSON.parse(readFileSync(json, "utf8")) as BenchGoJson;
      expect(out.baseline).toBe(label);
      const measured = out.results.filter((r) => r.best !== null);
      // The release's client against our servers and our client against its servers, on its wire.
      const mixed = [`Go → TS, Go Gorums ${release} client`, `TS → Go, Go Gorums ${release} servers`];
      expect(measured.map((r) => r.pairing)).toEqual(["TS → TS", label, ...mixed, "TS → TS", label, ...mixed]);
      expect(measured.every((r) => (r.best?.callsPerSec ?? 0) > 0 && (r.best?.cpuUsPerCall ?? 0) > 0)).toBe(true);
      // Median and p99 where our client ran, none where Go's client did.
      const ourClient = (pairing: string) => pairing.startsWith("TS → ");
      expect(measured.every((r) => ourClient(r.pairing) === ((r.best?.medianMs ?? 0) > 0))).toBe(true);
      // The release's servers held the idle NodeStreams on its own wire (a refused stream would give an error instead).
      const releaseServers = `Go Gorums ${release} servers`;
      expect(out.idlePeerMemory[releaseServers]).toMatchObject({ peers: 20 });
      expect(stdout).toMatch(new RegExp(`^${releaseServers}\\s+-?\\d+\\.\\d\\s`, "m"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 420_000);
});

/** What `pnpm bench:go --json` writes (the parts the tests read). */
interface BenchGoJson {
  readonly baseline: string;
  readonly results: Array<{ pairing: string; best: { callsPerSec: number; cpuUsPerCall?: number; medianMs?: number; p99Ms?: number } | null }>;
  /** By server kind: the figures, or why they could not be taken. */
  readonly idlePeerMemory: Record<string, { peers: number; rssKiBPerPeer: number } | string>;
}

