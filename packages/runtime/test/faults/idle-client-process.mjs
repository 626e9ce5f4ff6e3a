// A client script that forgets to close (spawned by idle-exit.test.ts;
// plain node on the built runtime in ../../dist).
//
// Usage: node idle-client-process.mjs HOST:PORT VALUE [grpc|connect]
// Makes one EchoRPC call and one quorum call to the server, prints each
// reply's value on a line of its own, and never closes its configuration:
// the process must exit by itself once nothing is left to do.
import { newConfig, quorumCall, rpcCall, withNodeList } from "../../dist/index.js";
import { method } from "./testsvc-descriptor.mjs";

const [addr, value, protocol = "grpc"] = process.argv.slice(2);
const config = newConfig(withNodeList([addr]), { protocol });
const node = config.nodes()[0];
const reply = await rpcCall(node.context(), method("EchoRPC"), { value });
console.log(reply.value);
const qc = await quorumCall(config.context(), method("EchoQC"), { value }).all();
console.log(qc.value);
