/**
 * The ceiling every NodeStream is measured against: raw node:http2 with the
 * gRPC framing and nothing else. The server writes every frame it reads
 * straight back, one write per message; the client writes one frame per
 * message with its own write() and splits what it reads into frames. No
 * protobuf decoding, no batching, no call bookkeeping. The frames carry a
 * real stream.Message envelope around the payload, so the bytes on the wire
 * are those of a Gorums request.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { toBinary } from "@bufbuild/protobuf";
import { MessageSchema } from "../src/gen/stream_pb.js";
import { encodeFrame, FrameDecoder } from "../src/wire/grpc/grpc-frame.js";
import { NODE_STREAM_PATH } from "../src/wire/grpc/node-stream-path.js";
import { requestMessage } from "../src/wire/message.js";
import type { EchoClient } from "./load.js";

/** Starts the raw echo server on `host:port` (port 0: a free one); resolves with the bound port. */
export async function startRawEchoServer(host = "127.0.0.1", port = 0): Promise<{ port: number; server: http2.Http2Server }> {
  const server = http2.createServer();
  server.on("stream", (stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    // Decode the frames and write each message back as its own frame.
    const decoder = new FrameDecoder((m) => stream.write(encodeFrame(m)));
    stream.on("data", (chunk: Buffer) => decoder.push(chunk));
    stream.on("end", () => stream.end());
    stream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

/** The gRPC frame of a request envelope with `payloadBytes` of payload (what a Gorums call puts on the wire). */
export function requestFrame(payloadBytes: number, method = "benchmark.Benchmark.QuorumCall"): Buffer {
  const payload = new Uint8Array(payloadBytes).fill(7);
  return encodeFrame(toBinary(MessageSchema, requestMessage(1n, method, payload, [])));
}

/** A client of the raw echo server on one stream: `send()` writes one frame. */
export async function rawEchoClient(address: string, frame: Buffer): Promise<EchoClient> {
  const session = http2.connect(`http://${address}`);
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  session.on("error", () => {});
  const req = session.request({ ":method": "POST", ":path": NODE_STREAM_PATH, "content-type": "application/grpc", te: "trailers" }, { endStream: false });
  const client: EchoClient = {
    send: () => void req.write(frame),
    onReply: () => {},
    close: () => session.destroy(),
  };
  const decoder = new FrameDecoder(() => client.onReply());
  req.on("data", (chunk: Buffer) => decoder.push(chunk));
  req.on("error", () => {});
  return client;
}

/** A quorum call done with raw echo streams: see `rawQuorumClient`. */
export interface RawQuorumClient {
  /** Writes the frame on every stream; resolves once `q` echoes came back. */
  call(q: number): Promise<void>;
  close(): void;
}

/**
 * The pattern of a quorum call with nothing but raw echo streams: one
 * stream to each address (an address may repeat: several connections to one
 * server process), a call writes the frame on all of them and is done once
 * `q` echoes came back. No envelopes decoded, no call bookkeeping: the floor
 * of the fan-out itself on this machine.
 */
export async function rawQuorumClient(addrs: readonly string[], frame: Buffer): Promise<RawQuorumClient> {
  const clients: EchoClient[] = [];
  for (let i = 0; i < addrs.length; i += 50) {
    clients.push(...(await Promise.all(addrs.slice(i, i + 50).map((a) => rawEchoClient(a, frame)))));
  }
  // Echoes come back in order on each stream: a FIFO of the calls waiting on it.
  const waiting = clients.map((c) => {
    const fifo: Array<() => void> = [];
    c.onReply = () => fifo.shift()?.();
    return fifo;
  });
  return {
    call(q) {
      return new Promise((resolve) => {
        let n = 0;
        const one = () => {
          if (++n === q) {
            resolve();
          }
        };
        for (let i = 0; i < clients.length; i++) {
          (waiting[i] as Array<() => void>).push(one);
          (clients[i] as EchoClient).send();
        }
      });
    },
    close() {
      for (const c of clients) {
        c.close();
      }
    },
  };
}
