/**
 * Micro benchmark of one NodeStream: messages/s of ping-pong (one message in
 * flight) and of pipelined echo (256 in flight), 16-byte payload, loopback,
 * over
 *   (a) raw node:http2 with gRPC framing — the ceiling: each side writes
 *       one frame per message with its own write() and splits what it reads
 *       into frames; no protobuf, no batching;
 *   (b) our node:http2 BidiStream pair (http2StreamDialer ↔
 *       nodeStreamRequestListener);
 *   (c) connect-node's BidiStream pair in the Connect protocol
 *       (connectStreamDialer ↔ connectServerStream under connectNodeAdapter),
 *       as the runtime uses it for `protocol: "connect"`;
 * printed as ratios against (a), all in the same run. The echo server runs
 * in a child process (two cores: one per side) unless --same-process. (a)
 * and the load loop are shared with `pnpm bench` (raw-echo.ts, load.ts).
 *
 *   npx -y tsx packages/runtime/bench/stream-echo.ts [--time 3] [--warmup 1] [--inflight 256] [--same-process] [--only raw|ours|connect]
 *   (or, compiled by `pnpm bench`: node packages/runtime/bench/dist/bench/stream-echo.js …)
 */
import { fork } from "node:child_process";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Gorums, type Message } from "../src/gen/stream_pb.js";
import { requestMessage } from "../src/wire/message.js";
import type { BidiStream } from "../src/wire/bidi-stream.js";
import { connectStreamDialer } from "../src/wire/connect/connect-client-stream.js";
import { connectServerStream } from "../src/wire/connect/connect-server-stream.js";
import { http2StreamDialer } from "../src/wire/grpc/http2-stream-dialer.js";
import { nodeStreamRequestListener } from "../src/wire/grpc/node-stream-listener.js";
import { type EchoClient, pipelined } from "./load.js";
import { rawEchoClient, requestFrame, startRawEchoServer } from "./raw-echo.js";

type Kind = "raw" | "ours" | "connect";
const KINDS: Kind[] = ["raw", "ours", "connect"];
const LABEL: Record<Kind, string> = {
  raw: "(a) raw node:http2 + gRPC framing",
  ours: "(b) our http2 BidiStream pair",
  connect: "(c) connect-node BidiStream pair (Connect)",
};

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const PAYLOAD = new Uint8Array(16).fill(7);

/** A request as the runtime builds it (a plain object, no reflection). */
function message(seq: number): Message {
  return requestMessage(BigInt(seq), "bench.Bench.Echo", PAYLOAD, []);
}

// ---------------------------------------------------------------- servers

/** Starts the echo server of `kind` on 127.0.0.1:0; resolves with its port. */
async function startServer(kind: Kind): Promise<number> {
  if (kind === "raw") {
    return (await startRawEchoServer()).port;
  }
  let server: http2.Http2Server;
  if (kind === "ours") {
    const fallback = () => {};
    server = http2.createServer(nodeStreamRequestListener((a) => echo(a.stream), fallback));
  } else {
    const adapter = connectNodeAdapter({
      routes: (router) =>
        router.service(Gorums, {
          nodeStream: (requests) => {
            const { stream, replies } = connectServerStream(requests);
            echo(stream);
            return replies;
          },
        }),
    });
    server = http2.createServer(adapter);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Echoes every message back on `stream` (what a Gorums server's channel does: no await per message). */
function echo(stream: BidiStream): void {
  void (async () => {
    try {
      for await (const m of stream.receive()) {
        stream.send(m).catch(() => {});
      }
      stream.close();
    } catch {
      stream.close();
    }
  })();
}

// ---------------------------------------------------------------- clients

async function streamClient(kind: "ours" | "connect", port: number): Promise<EchoClient> {
  const options = { address: `127.0.0.1:${port}`, headers: new Headers() };
  const dialer = kind === "ours" ? http2StreamDialer(options) : connectStreamDialer(options);
  const stream = await dialer.dial();
  let seq = 0;
  const client: EchoClient = {
    send: () => void stream.send(message(++seq)).catch(() => {}),
    onReply: () => {},
    close: () => {
      stream.close();
      dialer.close();
    },
  };
  void (async () => {
    try {
      for await (const _ of stream.receive()) {
        client.onReply();
      }
    } catch {
      // closed
    }
  })();
  return client;
}

function newClient(kind: Kind, port: number): Promise<EchoClient> {
  return kind === "raw" ? rawEchoClient(`127.0.0.1:${port}`, requestFrame(PAYLOAD.byteLength, "bench.Bench.Echo")) : streamClient(kind, port);
}

/** Runs `inflight` messages in flight for warmup + time seconds; resolves with messages/s after warmup. */
async function run(client: EchoClient, inflight: number, warmupS: number, timeS: number): Promise<number> {
  const rec = await pipelined(client, { concurrency: inflight, warmupS, timeS });
  return rec.summarize().callsPerSec;
}

// ---------------------------------------------------------------- main

async function serverPort(kind: Kind, sameProcess: boolean): Promise<{ port: number; stop: () => void }> {
  if (sameProcess) {
    return { port: await startServer(kind), stop: () => {} };
  }
  const child = fork(fileURLToPath(import.meta.url), ["--serve", kind], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve(Number(m)));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { port, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const serveAt = process.argv.indexOf("--serve");
  if (serveAt >= 0) {
    const port = await startServer(process.argv[serveAt + 1] as Kind);
    process.send?.(port);
    return;
  }
  const timeS = arg("time", 3);
  const warmupS = arg("warmup", 1);
  const inflight = arg("inflight", 256);
  const sameProcess = process.argv.includes("--same-process");
  console.log(`stream echo: 16-byte payload, ${timeS}s per run after ${warmupS}s warmup, server in ${sameProcess ? "this process" : "a child process"}, node ${process.version}`);
  const results: Record<Kind, { pingpong: number; pipelined: number }> = {} as never;
  const onlyAt = process.argv.indexOf("--only");
  const kinds = onlyAt >= 0 ? KINDS.filter((k) => k === process.argv[onlyAt + 1]) : KINDS;
  for (const kind of kinds) {
    const { port, stop } = await serverPort(kind, sameProcess);
    try {
      const pp = await newClient(kind, port);
      const pingpong = await run(pp, 1, warmupS, timeS);
      pp.close();
      const pl = await newClient(kind, port);
      const pipelined = await run(pl, inflight, warmupS, timeS);
      pl.close();
      results[kind] = { pingpong, pipelined };
      console.error(`  ${LABEL[kind]}: done`);
    } finally {
      stop();
    }
  }
  const base = results.raw ?? results[kinds[0] as Kind];
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log("");
  console.log(`${pad("transport", 38)} ${pad("ping-pong msg/s", 16)} ${pad("RTT µs", 8)} ${pad("ratio", 6)} ${pad(`${inflight} in flight msg/s`, 22)} ratio`);
  for (const kind of kinds) {
    const r = results[kind];
    console.log(
      `${pad(LABEL[kind], 38)} ${pad(num(r.pingpong), 16)} ${pad((1e6 / r.pingpong).toFixed(0), 8)} ${pad((r.pingpong / base.pingpong).toFixed(2), 6)} ${pad(num(r.pipelined), 22)} ${(r.pipelined / base.pipelined).toFixed(2)}`,
    );
  }
  process.exit(0);
}

void main();
