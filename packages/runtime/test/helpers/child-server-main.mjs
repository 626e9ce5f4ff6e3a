// A TestService server in its own process, for fault and hostile-input tests
// (spawned by child-server.ts; plain node on the built runtime in ../../dist,
// with the generated test service as JavaScript in ../gen-js, so no
// TypeScript loader is involved).
//
// Usage: node child-server-main.mjs [--port N] [--id N] [--max-streams N]
// Prints one JSON line {"addr": "127.0.0.1:port"} once listening, then
// serves. Commands on stdin, one per line, each answered by one JSON line
// on stdout: "mem" → {"mem": process.memoryUsage() after a GC when exposed},
// "stats" → {"stats": {...}} (streams: NodeStreams accepted so far),
// "goaway" → GOAWAY + close on every session, destroyed 200 ms later
// (answered when they are all closed),
// "reset" → TCP RST on every connection, "exit" → stop and exit 0.
//
// Handlers (registered through the generated registerTestServiceServer):
//   Echo, EchoRPC, EchoQC: "echo: <value>" with num = id; a value
//     "big:<bytes>" answers with a value of that many bytes.
//   EchoStream: value "flood:<count>:<bytes>" sends <count> replies of
//     <bytes> bytes each, awaiting every send (backpressure); else 3 replies.
//   Write, WriteUnicast: counted.
import * as readline from "node:readline";
import { Server } from "../../dist/index.js";
import { registerTestServiceServer } from "../gen-js/testsvc/testsvc_gorums.js";

const args = process.argv.slice(2);
function arg(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}
const port = arg("port", 0);
const id = arg("id", 1);
const maxStreams = arg("max-streams", undefined);

const stats = { streams: 0, requests: 0, streamSent: 0, streamFailed: 0, writes: 0 };

function echo(req) {
  stats.requests++;
  if (req.value.startsWith("big:")) {
    // At most 16 MiB, so that a fuzzed request cannot ask for gigabytes.
    return { value: "x".repeat(Math.min(Number(req.value.slice(4)) || 0, 16 << 20)), num: BigInt(id) };
  }
  return { value: `echo: ${req.value}`, num: BigInt(id) };
}

const server = new Server({
  onConnect: () => {
    stats.streams++;
  },
  ...(maxStreams === undefined ? {} : { maxStreamsPerConnection: maxStreams }),
});
const count = () => {
  stats.writes++;
};
registerTestServiceServer(server, {
  echo: (_ctx, req) => echo(req),
  echoRPC: (_ctx, req) => echo(req),
  echoQC: (_ctx, req) => echo(req),
  async echoStream(ctx, req, send) {
    stats.requests++;
    const m = /^flood:(\d+):(\d+)$/.exec(req.value);
    if (m === null) {
      for (let i = 1; i <= 3; i++) {
        await send({ value: `echo: ${req.value}-${i}`, num: BigInt(i) });
      }
      return;
    }
    ctx.release();
    const value = "y".repeat(Math.min(Number(m[2]), 16 << 20));
    for (let i = 0; i < Math.min(Number(m[1]), 10_000) && !ctx.signal.aborted; i++) {
      if (!(await send({ value, num: BigInt(i) }))) {
        stats.streamFailed++; // the call ended (here: the client left) while this send waited
        break;
      }
      stats.streamSent++;
    }
  },
  write: count,
  writeUnicast: count,
});

/** The server's HTTP/2 sessions (a private field: the test reaches in to misbehave on purpose). */
function sessions() {
  const s = server["listener"]?.["sessions"];
  if (!(s instanceof Set)) {
    throw new Error("Server.listener.sessions is gone: update child-server-main.mjs");
  }
  return [...s];
}

const addr = await server.listen(`127.0.0.1:${port}`);
/** Every accepted TCP connection. */
const sockets = new Set();
server["listener"]["httpServer"].on("connection", (sock) => {
  sockets.add(sock);
  sock.once("close", () => sockets.delete(sock));
});
process.stdout.write(`${JSON.stringify({ addr })}\n`);

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = line.trim();
  const reply = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  switch (cmd) {
    case "mem":
      globalThis.gc?.();
      reply({ mem: process.memoryUsage() });
      break;
    case "stats":
      reply({ stats: { ...stats, sessions: sessions().length } });
      break;
    case "goaway": {
      // As a server with a maximum connection age does: GOAWAY, let the
      // streams finish for a moment, then tear the connection down. Answers
      // once every connection is gone.
      const all = sessions();
      void Promise.all(
        all.map(
          (s) =>
            new Promise((resolve) => {
              s.once("close", resolve);
              s.goaway();
              s.close();
              setTimeout(() => s.destroy(), 200).unref();
            }),
        ),
      ).then(() => reply({ goaway: all.length }));
      break;
    }
    case "reset": {
      // TCP RST on every connection (the HTTP/2 session's socket proxy
      // forbids touching it, so the sockets come from 'connection').
      const all = [...sockets].filter((s) => !s.destroyed);
      for (const s of all) {
        s.resetAndDestroy();
      }
      reply({ reset: all.length });
      break;
    }
    case "exit":
      void server.stop().then(() => process.exit(0));
      break;
    default:
      reply({ error: `unknown command ${cmd}` });
  }
});
// The parent went away: do not linger.
rl.on("close", () => void server.stop().then(() => process.exit(0)));
