/**
 * Go Gorums' own benchmark program (`cmd/benchmark` of github.com/relab/gorums)
 * as a process the pairings run: found at $GORUMS_GO_BENCHMARK, or built
 * with the go command from the Go module proxy into a cache outside the
 * repository. Beside it, the released Go Gorums that bench/go-release/go.mod
 * pins, whose wire predates ours (Go → Go only). Their servers
 * (`--server ADDR`) and their client (`--remotes`), whose table line is
 * parsed back into figures.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Go Gorums version the pairings build (its `cmd/benchmark`). */
export const GO_GORUMS_MODULE = "github.com/relab/gorums";
/** Which version to build: $GORUMS_GO_VERSION or the newest the proxy lists. */
const goVersion = () => process.env.GORUMS_GO_VERSION ?? "latest";

/** Where the benchmark binary is, or why there is none. */
export type GoBenchmark = { readonly path: string } | { readonly unavailable: string };

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => resolve({ ok: err === null, out: `${stdout}${stderr}` }));
  });
}

/** The package of Go Gorums' benchmark program. */
const BENCHMARK_PACKAGE = `${GO_GORUMS_MODULE}/cmd/benchmark`;

/** Where built benchmark programs are kept: a cache outside the repository. */
function cacheDir(name: string): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "gorums-ts", name);
}

/** Runs the go commands `steps` in `dir`; the first failure's first line, or undefined. */
async function goSteps(dir: string, steps: readonly string[][]): Promise<string | undefined> {
  for (const args of steps) {
    const r = await run("go", [...args], dir, 300_000);
    if (!r.ok) {
      const why = r.out.split("\n").find((l) => l.trim() !== "") ?? "failed";
      return `go ${args.join(" ")}: ${why.trim()}`;
    }
  }
  return undefined;
}

/** Finds or builds Go Gorums' benchmark program (the wire we speak); never throws. */
export async function findGoBenchmark(): Promise<GoBenchmark> {
  const given = process.env.GORUMS_GO_BENCHMARK;
  if (given !== undefined) {
    return existsSync(given) ? { path: given } : { unavailable: `$GORUMS_GO_BENCHMARK=${given} does not exist` };
  }
  const dir = cacheDir(`go-benchmark-${goVersion()}`);
  const bin = join(dir, "benchmark");
  if (existsSync(bin) && goVersion() !== "latest") {
    return { path: bin };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "go.mod"), "module gorums-ts/go-benchmark\n\ngo 1.24\n");
  // The package, not the module: `go get` then records the requirements of its imports too.
  const failed = await goSteps(dir, [["get", `${BENCHMARK_PACKAGE}@${goVersion()}`], ["build", "-o", bin, BENCHMARK_PACKAGE]]);
  return failed === undefined ? { path: bin } : { unavailable: failed };
}

/** The released Go Gorums' benchmark program, and which release it is. */
export type ReleasedGoBenchmark = { readonly path: string; readonly version: string } | { readonly unavailable: string };

/** The Go module that pins the released Go Gorums (bench/go-release), beside this file or its build. */
function releaseModuleDir(): string | undefined {
  const candidates = ["./go-release/", "../../go-release/"].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, "go.mod")));
}

/** The Go Gorums version a go.mod requires, if it does. */
export function requiredGorumsVersion(goMod: string): string | undefined {
  return goMod.match(/^\s*github\.com\/relab\/gorums\s+(v\S+)/m)?.[1];
}

/**
 * Builds the `cmd/benchmark` of the Go Gorums release that
 * bench/go-release/go.mod pins (its go.sum checks what the module proxy
 * serves): the one Go Gorums the proxy serves today, v0.11.0, whose wire
 * predates ours (`/ordering.Gorums/NodeStream`), so it measures Go → Go
 * only. $GORUMS_GO_RELEASE_BENCHMARK names a built one instead (and
 * $GORUMS_GO_RELEASE_VERSION its version). Never throws.
 */
export async function findReleasedGoBenchmark(): Promise<ReleasedGoBenchmark> {
  const given = process.env.GORUMS_GO_RELEASE_BENCHMARK;
  if (given !== undefined) {
    const version = process.env.GORUMS_GO_RELEASE_VERSION ?? "release";
    return existsSync(given) ? { path: given, version } : { unavailable: `$GORUMS_GO_RELEASE_BENCHMARK=${given} does not exist` };
  }
  const dir = releaseModuleDir();
  if (dir === undefined) {
    return { unavailable: "bench/go-release/go.mod is missing" };
  }
  const version = requiredGorumsVersion(readFileSync(join(dir, "go.mod"), "utf8"));
  if (version === undefined) {
    return { unavailable: `bench/go-release/go.mod requires no ${GO_GORUMS_MODULE}` };
  }
  const out = cacheDir(`go-release-${version}`);
  mkdirSync(out, { recursive: true });
  const bin = join(out, "benchmark");
  // go build is incremental: after the first build this only checks the cache.
  const failed = await goSteps(dir, [["build", "-o", bin, BENCHMARK_PACKAGE]]);
  return failed === undefined ? { path: bin, version } : { unavailable: failed };
}

/** A Go benchmark server on `addr`; resolves once it prints that it runs. */
export function startGoServer(bin: string, addr: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["--server", addr], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Running benchmark server")) {
        resolve(child);
      }
    });
    child.once("exit", (code) => reject(new Error(`Go benchmark server on ${addr} exited with ${code}`)));
    child.once("error", reject);
  });
}

/** What one Go client run printed for one benchmark, and the CPU it used. */
export interface GoClientRun {
  readonly callsPerSec: number;
  readonly meanMs: number;
  readonly stddevMs: number;
  /** CPU time of the client process over its whole run, in µs. */
  readonly cpuUs: number;
}

/** Options of a Go client run, as its flags. */
export interface GoClientOptions {
  readonly remotes: readonly string[];
  readonly benchmark: string;
  readonly quorumSize: number;
  readonly concurrent: number;
  readonly payload: number;
  readonly timeS: number;
  readonly warmupS: number;
}

/**
 * Runs Go's benchmark client against `remotes` and parses its table line.
 * The client runs under bash, whose `times` gives the CPU it used.
 */
export async function runGoClient(bin: string, o: GoClientOptions): Promise<GoClientRun> {
  const args = [
    "--remotes", o.remotes.join(","), "--config-size", String(o.remotes.length), "--quorum-size", String(o.quorumSize),
    "--concurrent", String(o.concurrent), "--payload", String(o.payload), "--time", `${o.timeS}s`, "--warmup", `${o.warmupS}s`,
    "--benchmarks", `^${o.benchmark}$`,
  ];
  const r = await run("bash", ["-c", '"$0" "$@" && times', bin, ...args], process.cwd(), 600_000);
  if (!r.ok) {
    throw new Error(`Go benchmark client failed: ${r.out.trim()}`);
  }
  return parseGoClientOutput(r.out, o.benchmark);
}

/** Parses Go's table line for `benchmark` and the `times` lines after it. */
export function parseGoClientOutput(out: string, benchmark: string): GoClientRun {
  const line = out.split("\n").find((l) => l.startsWith(`${benchmark} `) || l.startsWith(`${benchmark}\t`));
  const m = line?.match(/([\d.]+) ops\/sec\s+([\d.]+) ms\s+([\d.]+) ms/);
  const times = [...out.matchAll(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/g)];
  const children = times[1]; // `times`: the shell's line, then its children's
  if (m === null || m === undefined || children === undefined) {
    throw new Error(`cannot read Go's benchmark output:\n${out}`);
  }
  const sec = (min: string, s: string) => Number(min) * 60 + Number(s);
  return {
    callsPerSec: Number(m[1]),
    meanMs: Number(m[2]),
    stddevMs: Number(m[3]),
    cpuUs: (sec(children[1]!, children[2]!) + sec(children[3]!, children[4]!)) * 1e6,
  };
}
