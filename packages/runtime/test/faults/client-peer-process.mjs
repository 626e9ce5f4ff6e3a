// A client peer in its own process, for server keepalive tests (spawned by
// keepalive.test.ts; plain node on the built runtime in ../../dist).
//
// Usage: node client-peer-process.mjs HOST:PORT
// Dials the server as a client peer (a Manager with a server of its own, so
// its stream opens at once, with gorums-node-id: 0), prints "started", then
// idles until killed. The test watches the server's clientConfig().
import { newConfig, Server, withNodeList } from "../../dist/index.js";

newConfig(withNodeList([process.argv[2]]), { server: new Server() });
console.log("started");
setInterval(() => {}, 1 << 30);
