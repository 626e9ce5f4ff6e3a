// The storage example's scripted run (what `pnpm demo` runs): four local
// replicas in their own processes, then every call type of storage.proto
// through the REPL's own commands, each printed with its result.
import { newConfig, withNodeList } from "@gorums/runtime";
import { type LocalCluster, startLocalCluster } from "./cluster.js";
import { readRPC, writeRPC } from "./gen/storage/storage_gorums.js";
import { messageOf, StorageRepl } from "./repl.js";
import { fromNanos } from "./timestamps.js";

const REPLICAS = 4;

async function demo(cluster: LocalCluster): Promise<void> {
  const config = newConfig(withNodeList([...cluster.addrs]));
  let firstReplies = 0; // correctable replies printed so far (step 6 waits for them)
  const repl = new StorageRepl(config, {
    out: (text) => {
      if (/^ {2}level \d+: .* \(from node \d+/.test(text)) {
        firstReplies++;
      }
      console.log(text);
    },
  });
  const run = async (command: string) => {
    console.log(`> ${command}`);
    await repl.execute(command);
  };
  const step = (text: string) => console.log(`\n${wrap(text, 78, "   ")}`);

  try {
    await run("nodes");

    step("1. An RPC goes to one node: write a key on node 0, read it back, and see that node 1 does not have it.");
    await run("rpc 0 write greeting hello");
    await run("rpc 0 read greeting");
    await run("rpc 1 read greeting");

    step("2. Last writer wins: a write stamped one minute ago is older than what node 0 holds, so it is refused.");
    console.log("> (WriteRPC to node 0: greeting = stale, stamped one minute ago)");
    const old = fromNanos(BigInt(Date.now() - 60_000) * 1_000_000n);
    const node0 = config.nodes()[0];
    if (node0 === undefined) {
      throw new Error("no nodes");
    }
    const refused = await writeRPC(node0.context({ timeoutMs: 2000 }), { key: "greeting", value: "stale", time: old });
    console.log(refused.new ? "Write OK (unexpected!)" : "Failed to update greeting: timestamp too old.");
    await run("rpc 0 read greeting");

    step("3. A unicast is a one-way write to one node. Requests on one stream are served in order, so the read that follows sees it.");
    await run("ucast 1 greeting 'hello from unicast'");
    await run("rpc 1 read greeting");

    step("4. A multicast is a one-way write to every node.");
    await run("mcast color blue");
    await run("qc read color");

    step("5. A quorum call goes to every node and combines their replies (here: the newest value).");
    await run("qc write greeting 'hello, quorum'");
    await run("qc read greeting");

    step("6. A correctable read streams the replies as they come. Each replica answers at once, then sends any newer write of the key that arrives within a second: here a write made while the read runs.");
    const cread = run("qc cread greeting");
    await until(() => firstReplies === REPLICAS);
    console.log("  (meanwhile, another command)");
    await run("qc write greeting 'hello, again'");
    await cread;

    step("7. A nested quorum call: node 3 alone holds 'secret'. Every replica that gets ReadNestedQC reads the key from a quorum of the group (3 of 4, itself included); the client keeps the newest answer.");
    await run("rpc 3 write secret 42");
    await run("qc nread secret");

    step("8. A nested multicast: node 0 alone gets WriteNestedMulticast and passes the write on to all its peers.");
    await run("cfg 0 nwrite motto 'quorums rule'");
    await eventually(async () => {
      const values = await Promise.all(config.nodes().map((n) => readRPC(n.context({ timeoutMs: 2000 }), { key: "motto" })));
      return values.every((r) => r.value === "quorums rule");
    });
    console.log("  (a moment later every replica holds motto; ask nodes 2 and 3)");
    await run("cfg 2:4 read motto");

    step("9. Configurations: quorum calls to some nodes, a range 1:3 (nodes 1 and 2) or a list 0,3.");
    await run("cfg 1:3 write color green");
    await run("cfg 0,3 read color");
    await run("qc read color");

    step("10. Bad input gets a clear message.");
    await run("rpc 7 read greeting");
    await run("qc write greeting");
  } finally {
    await config.close();
  }
}

/** Breaks text into lines of at most `width` characters at spaces; lines after the first start with `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join("\n");
}

/** Waits (at most 3 s) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond() && Date.now() < deadline) {
    await sleep(5);
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `cond` until it holds (a multicast is one-way: its writes land a moment after it is sent). */
async function eventually(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      throw new Error(`not every replica got the write within ${timeoutMs / 1000} s`);
    }
    await sleep(20);
  }
}

async function main(): Promise<number> {
  console.log("gorums-ts storage demo: a replicated key-value store, last writer wins.\n");
  console.log(`Starting ${REPLICAS} storage replicas, each in its own process...`);
  let cluster: LocalCluster | undefined;
  const onSignal = () => {
    void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    cluster = await startLocalCluster(REPLICAS, {
      onReady: (id, addr) => console.log(`  replica ${id} ready on ${addr}`),
      // The replicas print nothing more unless something goes wrong.
      onOutput: (line) => console.error(line),
    });
    console.log(`All ${REPLICAS} replicas are connected to each other.\n`);
    await demo(cluster);
    return 0;
  } catch (err) {
    console.error(`demo failed: ${messageOf(err)}`);
    return 1;
  } finally {
    console.log("\nStopping the replicas.");
    await cluster?.stop();
  }
}

const code = await main();
if (code === 0) {
  console.log("Demo finished.");
}
process.exit(code);
