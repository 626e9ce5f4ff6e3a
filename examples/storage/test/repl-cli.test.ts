/**
 * The storage program (dist/main.js, what `pnpm storage` runs) driven
 * through piped stdin: with no arguments it starts four local replica
 * processes (the `server` subcommand), runs the commands — good ones and bad
 * ones — echoing each, and stops the replicas on exit; with --connect it uses
 * running replicas instead; bad command-line arguments get a usage message
 * and exit code 2. Never a stack trace.
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { newLocalSystems } from "@gorums/runtime";
import { describe, expect, it } from "vitest";
import { registerStorageServer } from "../src/gen/storage/storage_gorums.js";
import { newStorageService } from "../src/storage-server.js";
import { isRunning, MAIN, processesWith, replicaAddrs, runMain } from "./main-process.js";

describe("storage REPL from piped stdin", () => {
  it("starts four local replicas, runs commands and reports bad input, then stops them", { timeout: 60_000 }, async () => {
    const commands = [
      "nodes",
      "rpc 0 write foo bar",
      "rpc 0 read foo",
      "rpc 3 read foo",
      "qc write foo 'bar baz'",
      "qc read foo",
      "cfg 1:3 read foo",
      "cfg 0,2 write k v",
      "ucast 3 u 1",
      "rpc 3 read u",
      "mcast m 2",
      "qc read m",
      "qc nread foo",
      "qc nwrite n 3",
      "qc cread foo",
      "",
      "bogus",
      "rpc 4 read foo",
      "rpc zero read foo",
      "rpc 0 delete foo",
      "rpc 0 write foo",
      "qc",
      "cfg 5:9 read foo",
      "cfg 0,0 read foo",
      "mcast onlykey",
      "qc write foo 'unterminated",
      "help",
      "exit",
      "rpc 0 read foo",
    ];
    const { stdout, stderr, code } = await runMain([], commands.join("\n") + "\n");
    const lines = stdout.split("\n");
    const after = (command: string) => lines[lines.indexOf(`> ${command}`) + 1];

    expect(code).toBe(0);
    expect(lines.filter((l) => /^ {2}replica [1-4] ready on 127\.0\.0\.1:\d+$/.test(l))).toHaveLength(4);
    expect(after("nodes")).toBe("Nodes:");
    expect(lines.filter((l) => /^[0-3]: 127\.0\.0\.1:\d+ \(id [1-4]\): connected, latency /.test(l))).toHaveLength(4);
    expect(after("rpc 0 write foo bar")).toBe("Write OK");
    expect(after("rpc 0 read foo")).toBe("foo = bar");
    expect(after("rpc 3 read foo")).toBe("foo was not found");
    expect(after("qc write foo 'bar baz'")).toBe("Write OK (4 of 4 replicas updated)");
    expect(after("qc read foo")).toBe("foo = bar baz (newest of 4 replies)");
    expect(after("cfg 1:3 read foo")).toBe("foo = bar baz (newest of 2 replies)");
    expect(after("cfg 0,2 write k v")).toBe("Write OK (2 of 2 replicas updated)");
    expect(after("ucast 3 u 1")).toBe("Unicast OK (sent to node 3)");
    expect(after("rpc 3 read u")).toBe("u = 1");
    expect(after("mcast m 2")).toBe("Multicast OK (sent to 4 nodes)");
    expect(after("qc read m")).toBe("m = 2 (newest of 4 replies)");
    expect(after("qc nread foo")).toBe("foo = bar baz (newest of 4 replies)");
    expect(after("qc nwrite n 3")).toBe("Nested write OK (multicast by 4 of 4 replicas)");
    expect(lines.filter((l) => /^ {2}level [1-4]: foo = bar baz \(from node [0-3]/.test(l))).toHaveLength(4);
    expect(stdout).toContain("Correctable read finished: foo = bar baz (level 4: 4 replies from 4 of 4 nodes)");

    expect(after("bogus")).toBe("Unknown command 'bogus'. Type 'help' to see the available commands.");
    expect(after("rpc 4 read foo")).toBe("Invalid node index 4: it must be between 0 and 3");
    expect(after("rpc zero read foo")).toBe("Invalid node index 'zero': it must be a number between 0 and 3");
    expect(after("rpc 0 delete foo")).toBe("Unknown operation 'delete' for 'rpc': use read or write.");
    expect(after("rpc 0 write foo")).toBe("'write' requires a key and a value. Usage: write <key> <value>");
    expect(after("qc")).toBe("'qc' requires an operation (read, write, cread, nread, nwrite), like: qc read foo");
    expect(after("cfg 5:9 read foo")).toBe("Invalid range '5:9': it must select nodes within 0:4 (stop excluded)");
    expect(after("cfg 0,0 read foo")).toBe("Duplicate node index 0 in '0,0'");
    expect(after("mcast onlykey")).toBe("'mcast' requires a key and a value. Usage: mcast <key> <value>");
    expect(after("qc write foo 'unterminated")).toBe("Cannot read the command: unterminated quoted string: missing closing '");
    expect(after("help")).toMatch(/^Run RPCs and quorum calls/);
    expect(stdout).toContain("  cfg 0,2 write foo 'bar baz'       quote values with spaces");

    // exit ends the session: the command after it never runs.
    expect(lines.filter((l) => l.startsWith("> ")).at(-1)).toBe("> exit");
    expect(stdout.trimEnd().endsWith("Stopping the local replicas.")).toBe(true);
    expect(stderr).toBe("");
    // The replica processes are gone.
    const addrs = replicaAddrs(stdout);
    expect(addrs).toHaveLength(4);
    expect(addrs.flatMap((a) => processesWith(`--addr ${a}`))).toEqual([]);
    expect(stdout).not.toMatch(/\n\s+at /);
  });

  it("--connect uses running replicas; end of input ends the session", { timeout: 60_000 }, async () => {
    const local = await newLocalSystems(3);
    try {
      for (const s of local.systems) {
        const service = newStorageService();
        s.registerService((srv) => registerStorageServer(srv, service));
      }
      await Promise.all(local.systems.map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(10_000) })));
      const addrs = local.systems.map((s) => s.addr).join(",");
      const { stdout, stderr, code } = await runMain(["--connect", addrs], "qc write x 1\nrpc 2 read x\nqc nread x\nrpc 3 read x\n");
      const lines = stdout.split("\n");
      expect(code).toBe(0);
      expect(lines[0]).toBe(`Using 3 storage servers: ${addrs.split(",").join(", ")}`);
      expect(stdout).not.toContain("Starting");
      expect(lines[lines.indexOf("> qc write x 1") + 1]).toBe("Write OK (3 of 3 replicas updated)");
      expect(lines[lines.indexOf("> rpc 2 read x") + 1]).toBe("x = 1");
      expect(lines[lines.indexOf("> qc nread x") + 1]).toBe("x = 1 (newest of 3 replies)");
      expect(lines[lines.indexOf("> rpc 3 read x") + 1]).toBe("Invalid node index 3: it must be between 0 and 2");
      expect(stderr).toBe("");
    } finally {
      await local.stop();
    }
  });

  it("bad arguments get a usage message and exit code 2, without a stack trace", async () => {
    const run = promisify(execFile);
    for (const [args, message] of [
      [["--connect", "nohost"], "storage: invalid address 'nohost' in --connect: use host:port, like 127.0.0.1:9081"],
      [["--bogus"], "storage: Unknown option '--bogus'"],
      [["server", "--addr", "127.0.0.1:0"], "storage server: --id is required"],
      [["server", "--id", "2", "--addr", "127.0.0.1:0", "--peers", "1=127.0.0.1:1,2=bad"], "storage server: invalid peer '2=bad'"],
    ] as const) {
      const err = await run(process.execPath, [MAIN, ...args], { timeout: 20_000 }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code, args.join(" ")).toBe(2);
      expect(err?.stderr).toContain(message);
      expect(err?.stderr).toContain("usage: node dist/main.js");
      expect(err?.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe("the local replicas", () => {
  it("leave when the program that started them is killed", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [MAIN], { stdio: ["pipe", "pipe", "pipe"] });
    let addrs: string[] = [];
    const replicas = () => addrs.flatMap((a) => processesWith(`--addr ${a}`));
    try {
      let stdout = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes("Reading commands")) {
            resolve();
          }
        });
        child.once("exit", () => reject(new Error(`exited early: ${stdout}`)));
      });
      addrs = replicaAddrs(stdout);
      expect(replicas()).toHaveLength(4);
      child.kill("SIGKILL");
      const deadline = Date.now() + 15_000;
      while (replicas().length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(replicas()).toEqual([]);
    } finally {
      if (child.pid !== undefined && isRunning(child.pid)) {
        child.kill("SIGKILL");
      }
      for (const pid of replicas()) {
        process.kill(pid, "SIGKILL");
      }
    }
  });
});

describe("the server subcommand", () => {
  it("runs one replica that is ready at once without peers and stops on SIGTERM", { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [MAIN, "server", "--id", "1", "--addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      let stdout = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes("ready")) {
            resolve();
          }
        });
        child.once("exit", () => reject(new Error(`exited early: ${stdout}`)));
      });
      expect(stdout).toMatch(/^replica 1 listening on 127\.0\.0\.1:(\d+)\nreplica 1 ready on 127\.0\.0\.1:\1 \(no peers\)\n/);
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.pid !== undefined && isRunning(child.pid)) {
        child.kill("SIGKILL");
      }
    }
  });
});
