/**
 * A raw NodeStream for server tests: a connect-node gRPC client of the
 * `Gorums` service that writes `stream.Message` envelopes by hand (any method,
 * any payload bytes, any seqNo) and reads the server's replies as they come.
 */
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as net from "node:net";
import { Gorums, type Message, MessageSchema } from "../../src/gen/stream_pb.js";

/** One open raw NodeStream. */
export interface RawStream {
  /** Writes one request envelope. */
  send(seqNo: bigint, method: string, payload: Uint8Array, entries?: Record<string, string>): void;
  /** The next reply; rejects when none arrives within `timeoutMs` or the stream ends. */
  next(timeoutMs?: number): Promise<Message>;
  /** Replies received and not yet taken by `next`. */
  readonly buffered: readonly Message[];
  /** This client's own socket address "127.0.0.1:<port>", once connected. */
  readonly localAddress: Promise<string>;
  /** Ends the request side and the HTTP/2 session. */
  close(): void;
}

/** The serialized form of a message, for a raw envelope's payload. */
export function payloadOf<T extends DescMessage>(schema: T, init: MessageInitShape<T>): Uint8Array {
  return toBinary(schema, create(schema, init));
}

/** Opens a raw NodeStream to `addr` ("host:port"), with `headers` (none by default). */
export function openRawStream(addr: string, headers?: Record<string, string>): RawStream {
  let setLocal!: (a: string) => void;
  const localAddress = new Promise<string>((r) => {
    setLocal = r;
  });
  const colon = addr.lastIndexOf(":");
  const sessionManager = new Http2SessionManager(
    `http://${addr}`,
    {},
    {
      // Our own TCP connection, so that the test knows the client's local port.
      createConnection: () => {
        const sock = net.connect({ host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) });
        sock.once("connect", () => setLocal(`${sock.localAddress}:${sock.localPort}`));
        return sock;
      },
    },
  );
  const transport = createGrpcTransport({ baseUrl: `http://${addr}`, sessionManager });
  const client = createClient(Gorums, transport);
  const abort = new AbortController();

  // The request side: a pushable async iterable.
  const pending: Message[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  async function* requests(): AsyncGenerator<Message> {
    for (;;) {
      const msg = pending.shift();
      if (msg !== undefined) {
        yield msg;
        continue;
      }
      if (ended) {
        return;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
  }

  // The reply side: buffered, taken by next().
  const buffered: Message[] = [];
  let waiter: { resolve: (m: Message) => void; reject: (e: unknown) => void } | undefined;
  let failure: unknown;
  void (async () => {
    try {
      for await (const msg of client.nodeStream(requests(), { signal: abort.signal, ...(headers ? { headers } : {}) })) {
        if (waiter !== undefined) {
          const w = waiter;
          waiter = undefined;
          w.resolve(msg);
        } else {
          buffered.push(msg);
        }
      }
      failure = new Error("raw stream ended");
    } catch (err) {
      failure = err;
    }
    waiter?.reject(failure);
    waiter = undefined;
  })();

  return {
    buffered,
    localAddress,
    send(seqNo, method, payload, entries = {}) {
      pending.push(
        create(MessageSchema, {
          messageSeqNo: seqNo,
          method,
          payload,
          entry: Object.entries(entries).map(([key, value]) => ({ key, value })),
        }),
      );
      wake?.();
    },
    next(timeoutMs = 5000) {
      const msg = buffered.shift();
      if (msg !== undefined) {
        return Promise.resolve(msg);
      }
      if (failure !== undefined) {
        return Promise.reject(failure);
      }
      return new Promise<Message>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`no reply within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = {
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
      });
    },
    close() {
      ended = true;
      wake?.();
      abort.abort();
      sessionManager.abort();
    },
  };
}
