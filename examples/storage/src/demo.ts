// A scripted run of the storage example: three local replicas, a write
// quorum call, a read quorum call.
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { newConfig, quorumCall, withNodeList } from "@gorums/runtime";
import { Storage } from "./gen/storage/storage_pb.js";
import { newStorageServer } from "./storage-server.js";

const servers = [newStorageServer(), newStorageServer(), newStorageServer()];
const addrs = await Promise.all(servers.map((s) => s.listen("127.0.0.1:0")));
console.log(`started 3 storage replicas: ${addrs.join(", ")}`);

const config = newConfig(withNodeList(addrs));
const ctx = config.context({ timeoutMs: 5000 });
try {
  const written = await quorumCall(ctx, Storage.method.writeQC, { key: "greeting", value: "hello, quorum", time: timestampNow() }).majority();
  console.log(`write quorum call (majority of ${config.size}): new=${written.new}`);

  const read = await quorumCall(ctx, Storage.method.readQC, { key: "greeting" }).majority();
  console.log(`read quorum call (majority of ${config.size}): ok=${read.ok} value=${JSON.stringify(read.value)}`);

  const everyone = await quorumCall(ctx, Storage.method.readQC, { key: "greeting" }).results().collectAll();
  for (const [id, r] of everyone) {
    console.log(`  node ${id} (${config.node(id)?.address}) holds ${JSON.stringify(r.value)}`);
  }
} finally {
  await config.close();
  await Promise.all(servers.map((s) => s.stop()));
}
console.log("done");
