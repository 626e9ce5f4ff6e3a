/**
 * The scripted storage demo (what `pnpm demo` runs, built in dist/) starts
 * four replica processes, goes through every call type of storage.proto
 * with the REPL's commands, prints each result, stops the replicas and
 * exits 0.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("runs every call type against four replica processes and exits 0", { timeout: 60_000 }, async () => {
  const demo = fileURLToPath(new URL("../dist/demo.js", import.meta.url));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [demo], { timeout: 45_000 });
  const lines = stdout.split("\n");
  // The line after a command, searching on from the previous command (the script runs some commands twice).
  let cursor = 0;
  const after = (command: string) => {
    const i = lines.indexOf(`> ${command}`, cursor);
    expect(i, `the command '${command}' in order`).toBeGreaterThanOrEqual(0);
    cursor = i + 1;
    return lines[i + 1];
  };

  expect(stdout).toContain("Starting 4 storage replicas, each in its own process...");
  expect(lines.filter((l) => /^ {2}replica [1-4] ready on 127\.0\.0\.1:\d+$/.test(l))).toHaveLength(4);
  expect(stdout).toContain("All 4 replicas are connected to each other.");

  // RPC, and last writer wins.
  expect(after("rpc 0 write greeting hello")).toBe("Write OK");
  expect(after("rpc 0 read greeting")).toBe("greeting = hello");
  expect(after("rpc 1 read greeting")).toBe("greeting was not found");
  expect(after("(WriteRPC to node 0: greeting = stale, stamped one minute ago)")).toBe("Failed to update greeting: timestamp too old.");
  expect(after("rpc 0 read greeting")).toBe("greeting = hello");
  // Unicast and multicast.
  expect(after("ucast 1 greeting 'hello from unicast'")).toBe("Unicast OK (sent to node 1)");
  expect(after("rpc 1 read greeting")).toBe("greeting = hello from unicast");
  expect(after("mcast color blue")).toBe("Multicast OK (sent to 4 nodes)");
  expect(after("qc read color")).toBe("color = blue (newest of 4 replies)");
  // Quorum calls.
  expect(after("qc write greeting 'hello, quorum'")).toBe("Write OK (4 of 4 replicas updated)");
  expect(after("qc read greeting")).toBe("greeting = hello, quorum (newest of 4 replies)");
  // Correctable read: the first four replies, then the newer write from every replica.
  expect(lines.filter((l) => /^ {2}level [1-4]: greeting = hello, quorum \(from node [0-3]/.test(l))).toHaveLength(4);
  expect(lines.filter((l) => /^ {2}level [5-8]: greeting = hello, again \(a newer write from node [0-3]\)$/.test(l))).toHaveLength(4);
  expect(stdout).toContain("Correctable read finished: greeting = hello, again (level 8: 8 replies from 4 of 4 nodes)");
  // Nested calls.
  expect(after("qc nread secret")).toBe("secret = 42 (newest of 4 replies)");
  expect(after("cfg 0 nwrite motto 'quorums rule'")).toBe("Nested write OK (multicast by 1 of 1 replica)");
  expect(after("cfg 2:4 read motto")).toBe("motto = quorums rule (newest of 2 replies)");
  // Configurations.
  expect(after("cfg 1:3 write color green")).toBe("Write OK (2 of 2 replicas updated)");
  expect(after("cfg 0,3 read color")).toBe("color = blue (newest of 2 replies)");
  expect(after("qc read color")).toBe("color = green (newest of 4 replies)");
  // Bad input.
  expect(after("rpc 7 read greeting")).toBe("Invalid node index 7: it must be between 0 and 3");
  expect(after("qc write greeting")).toBe("'write' requires a key and a value. Usage: write <key> <value>");

  expect(stdout).toContain("Stopping the replicas.");
  expect(stdout.trimEnd().endsWith("Demo finished.")).toBe(true);
  expect(stderr).toBe("");
});
