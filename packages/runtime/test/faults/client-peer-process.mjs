// A client peer in its own process, for server keepalive tests (spawned by
// keepalive.test.ts through helpers/child-process.ts; plain node on the
// built runtime in ../../dist).
//
// Usage: node client-peer-process.mjs HOST:PORT
// Dials the server as a client peer (a Manager with a server of its own, so
// its stream opens at once, with gorums-node-id: 0), prints "started", then
// idles until killed or until its stdin closes (the test process is gone).
// The test watches the server's clientConfig().
import { newConfig, Server, withNodeList } from "../../dist/index.js";

newConfig(withNodeList([process.argv[2]]), { server: new Server() });
console.log("started");
process.stdin.resume();
process.stdin.once("close", () => process.exit(0));
