/**
 * Our storage REPL (examples/storage, `--connect`) driven through its own
 * commands against four Go replicas: what it prints is checked. (Go's own
 * REPL, github.com/relab/gorums/examples/storage, cannot be had here: the
 * module proxy refuses that module; see the README's interop section.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../../examples/storage/test/main-process.js";
import { type Replicas, startReplicas } from "./helpers/cluster.js";
import { goPeerBuilt, stopAllPeers } from "./helpers/peers.js";

describe.skipIf(!goPeerBuilt)("the TS storage REPL against four Go replicas", () => {
  let replicas: Replicas;
  beforeAll(async () => {
    replicas = await startReplicas(["go", "go", "go", "go"]);
  }, 60_000);
  afterAll(stopAllPeers);

  it("runs every call type through its commands", async () => {
    const addrs = [...replicas.addrs.values()];
    const commands = ["rpc 0 write foo bar", "rpc 0 read foo", "rpc 3 read foo", "qc write foo baz", "qc read foo", "ucast 3 u 1", "rpc 3 read u", "mcast m 2", "qc read m", "qc nread foo", "qc nwrite n 3", "qc read n", "cfg 1:3 read foo"];
    const { stdout, stderr, code } = await runMain(["--connect", addrs.join(",")], `${commands.join("\n")}\n`, 30_000);
    const lines = stdout.split("\n");
    const after = (command: string) => lines[lines.indexOf(`> ${command}`) + 1];
    expect(code).toBe(0);
    expect(lines[0]).toBe(`Using 4 storage servers: ${addrs.join(", ")}`);
    expect(after("rpc 0 write foo bar")).toBe("Write OK");
    expect(after("rpc 0 read foo")).toBe("foo = bar");
    expect(after("rpc 3 read foo")).toBe("foo was not found");
    expect(after("qc write foo baz")).toBe("Write OK (4 of 4 replicas updated)");
    expect(after("qc read foo")).toBe("foo = baz (newest of 4 replies)");
    expect(after("ucast 3 u 1")).toBe("Unicast OK (sent to node 3)");
    expect(after("rpc 3 read u")).toBe("u = 1");
    expect(after("mcast m 2")).toBe("Multicast OK (sent to 4 nodes)");
    expect(after("qc read m")).toBe("m = 2 (newest of 4 replies)");
    expect(after("qc nread foo")).toBe("foo = baz (newest of 4 replies)");
    expect(after("qc nwrite n 3")).toBe("Nested write OK (multicast by 4 of 4 replicas)");
    expect(after("qc read n")).toBe("n = 3 (newest of 4 replies)");
    expect(after("cfg 1:3 read foo")).toBe("foo = baz (newest of 2 replies)");
    expect(stderr).toBe("");
  });
});
