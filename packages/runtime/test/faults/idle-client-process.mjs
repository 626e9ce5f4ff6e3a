// A client script that forgets to close (spawned by idle-exit.test.ts
// through helpers/child-process.ts; plain node on the built runtime in
// ../../dist, with the generated test service as JavaScript in ../gen-js).
//
// Usage: node idle-client-process.mjs HOST:PORT VALUE [grpc|connect]
// Makes one EchoRPC call and one quorum call to the server, prints each
// reply's value on a line of its own, and never closes its configuration:
// the process must exit by itself once nothing is left to do.
import { newConfig, withNodeList } from "../../dist/index.js";
import { echoQC, echoRPC } from "../gen-js/testsvc/testsvc_gorums.js";

const [addr, value, protocol = "grpc"] = process.argv.slice(2);
const config = newConfig(withNodeList([addr]), { protocol });
const node = config.nodes()[0];
const reply = await echoRPC(node.context(), { value });
console.log(reply.value);
const qc = await echoQC(config.context(), { value }).all();
console.log(qc.value);
