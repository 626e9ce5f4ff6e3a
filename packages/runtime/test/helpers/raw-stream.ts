/**
 * A raw NodeStream: a connect-node gRPC client of the `Gorums` service that
 * writes `stream.Message` envelopes by hand (any method, any payload bytes,
 * any seqNo, any headers, from any loopback address) and reads the server's
 * replies as they come.
 */
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type Code, ConnectError, createClient } from "@connectrpc/connect";
import { expect } from "vitest";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as net from "node:net";
import { Gorums, type Message, MessageSchema } from "../../src/gen/stream_pb.js";
import { cleanup } from "./test-servers.js";

/** One open raw NodeStream. */
export interface RawStream {
  /** Writes one request envelope. */
  send(seqNo: bigint, method: string, payload?: Uint8Array, entries?: Record<string, string>): void;
  /** The next reply not yet taken; rejects when none arrives within `timeoutMs` or the stream ends. */
  next(timeoutMs?: number): Promise<Message>;
  /** Replies received and not yet taken by `next`. */
  readonly buffered: readonly Message[];
  /** Every reply received, in arrival order (taken by `next` or not). */
  readonly replies: readonly Message[];
  /** How the stream ended: resolves on a clean end, rejects with the stream's error. */
  readonly done: Promise<void>;
  /** This client's own socket address "host:port", once connected. */
  readonly localAddress: Promise<string>;
  /** Ends the request side and the HTTP/2 session. */
  close(): void;
}

/** Options of {@link openRawStream}. */
export interface RawStreamOptions {
  /** Request headers of the stream (none by default). */
  headers?: Record<string, string>;
  /** The local address to dial from, e.g. "127.0.0.2" (default: the OS's choice). */
  localAddress?: string;
}

/** The serialized form of a message, for a raw envelope's payload. */
export function payloadOf<T extends DescMessage>(schema: T, init: MessageInitShape<T>): Uint8Array {
  return toBinary(schema, create(schema, init));
}

/** Opens a raw NodeStream to `addr` ("host:port"). */
export function openRawStream(addr: string, opts: RawStreamOptions = {}): RawStream {
  let setLocal!: (a: string) => void;
  const localAddress = new Promise<string>((r) => {
    setLocal = r;
  });
  const colon = addr.lastIndexOf(":");
  const sessionManager = new Http2SessionManager(
    `http://${addr}`,
    {},
    {
      // Our own TCP connection, so that the test picks the client's address and knows its port.
      createConnection: () => {
        const sock = net.connect({
          host: addr.slice(0, colon),
          port: Number(addr.slice(colon + 1)),
          ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
        });
        sock.once("connect", () => setLocal(`${sock.localAddress}:${sock.localPort}`));
        return sock;
      },
    },
  );
  const client = createClient(Gorums, createGrpcTransport({ baseUrl: `http://${addr}`, sessionManager }));
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

  // The reply side: every reply kept; next() takes them in order.
  const replies: Message[] = [];
  let taken = 0;
  let waiter: { resolve: (m: Message) => void; reject: (e: unknown) => void } | undefined;
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const msg of client.nodeStream(requests(), { signal: abort.signal, ...(opts.headers ? { headers: opts.headers } : {}) })) {
        replies.push(msg);
        if (waiter !== undefined) {
          const w = waiter;
          waiter = undefined;
          taken++;
          w.resolve(msg);
        }
      }
      failure = new Error("raw stream ended");
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      waiter?.reject(failure);
      waiter = undefined;
    }
  })();
  done.catch(() => {});

  return {
    replies,
    get buffered() {
      return replies.slice(taken);
    },
    done,
    localAddress,
    send(seqNo, method, payload = new Uint8Array(), entries = {}) {
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
      if (taken < replies.length) {
        return Promise.resolve(replies[taken++]!);
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

/** {@link openRawStream}, closed when the test ends. */
export function testRawStream(addr: string, opts: RawStreamOptions = {}): RawStream {
  const stream = openRawStream(addr, opts);
  cleanup(() => stream.close());
  return stream;
}

/** The error the server refused stream `s` with, which must be a ConnectError with `code` (fails the test if the stream ends cleanly). */
export async function refusal(s: RawStream, code: Code): Promise<ConnectError> {
  const err = await s.done.then(
    () => new Error("the stream was not refused"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(code);
  return err as ConnectError;
}
