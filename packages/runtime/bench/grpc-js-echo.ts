/**
 * Baseline (d): a bidi echo on @grpc/grpc-js, client and server, on the
 * NodeStream path with the same message bytes as a Gorums request (the
 * serializers pass the encoded envelope through untouched, so grpc-js does
 * the framing and the streams and nothing else).
 */
import * as grpc from "@grpc/grpc-js";
import { NODE_STREAM_PATH } from "../src/wire/grpc/node-stream-path.js";
import type { EchoClient } from "./load.js";

const identity = (b: Buffer) => b;

const SERVICE: grpc.ServiceDefinition = {
  nodeStream: {
    path: NODE_STREAM_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Starts the grpc-js echo server on `host:port`; resolves with the bound port. */
export async function startGrpcJsEchoServer(host = "127.0.0.1", port = 0): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(SERVICE, {
    nodeStream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on("data", (m: Buffer) => call.write(m));
      call.on("end", () => call.end());
      call.on("error", () => {});
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port: bound, server };
}

/** A grpc-js client on one bidi stream: `send()` writes the message `bytes` (an encoded envelope). */
export async function grpcJsEchoClient(address: string, bytes: Buffer): Promise<EchoClient> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
  const call = client.makeBidiStreamRequest<Buffer, Buffer>(NODE_STREAM_PATH, identity, identity);
  const echo: EchoClient = {
    send: () => void call.write(bytes),
    onReply: () => {},
    close: () => {
      call.cancel();
      client.close();
    },
  };
  call.on("data", () => echo.onReply());
  call.on("error", () => {});
  return echo;
}
