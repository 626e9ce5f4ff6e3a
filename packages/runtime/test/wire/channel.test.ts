/**
 * Unit tests of the outbound and inbound Channel over in-memory streams:
 * lazy dialing, backoff, re-sending unary calls after a stream failure,
 * failing streaming calls with "stream is down", closing, request/reply
 * demultiplexing on the sequence number's high bit, latency.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/gen/stream_pb.js";
import { Channel, type StreamDialer } from "../../src/wire/channel.js";
import { isCancel } from "../../src/wire/call-end.js";
import { CANCEL_CAPABILITY, CAPABILITIES_HEADER } from "../../src/wire/capabilities.js";
import type { BidiStream } from "../../src/wire/bidi-stream.js";
import { ErrNodeClosed, ErrStreamDown } from "../../src/wire/errors.js";
import { MessageQueue } from "../../src/wire/message-queue.js";
import { replyMessage, requestMessage } from "../../src/wire/message.js";
import type { CallKind, PendingCall } from "../../src/wire/pending-call.js";
import { SERVER_INITIATED_BIT } from "../../src/wire/sequence.js";
import { type MemoryStreamEnd, memoryStreamPair } from "../helpers/memory-stream.js";

interface Recorded {
  replies: Message[];
  errors: ConnectError[];
  sent: number;
}

function call(seq: bigint, kind: CallKind = "unary"): PendingCall & { rec: Recorded } {
  const rec: Recorded = { replies: [], errors: [], sent: 0 };
  return {
    msg: requestMessage(seq, "testsvc.TestService.Echo", new Uint8Array([1]), []),
    kind,
    rec,
    onReply: (r) => rec.replies.push(r),
    onError: (e) => rec.errors.push(e),
    onSent: () => rec.sent++,
  };
}

/** A dialer whose streams the test controls: `peers` are the far ends, in dial order. */
function testDialer(fail?: () => Error | undefined): StreamDialer & { dials: number; peers: MemoryStreamEnd[]; closed: boolean } {
  const d = {
    dials: 0,
    peers: [] as MemoryStreamEnd[],
    closed: false,
    async dial() {
      d.dials++;
      const err = fail?.();
      if (err !== undefined) {
        throw err;
      }
      const [near, far] = memoryStreamPair();
      d.peers.push(far);
      return near;
    },
    close() {
      d.closed = true;
    },
  };
  return d;
}

async function next(it: AsyncIterator<Message>): Promise<Message> {
  const r = await it.next();
  if (r.done === true) {
    throw new Error("stream ended");
  }
  return r.value;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("Channel (outbound)", () => {
  it("dials lazily, on the first call", async () => {
    const dialer = testDialer();
    const ch = new Channel({ nodeID: 1, dialer });
    await tick();
    expect(dialer.dials).toBe(0);
    const c = call(1n);
    ch.send(c);
    await tick();
    expect(dialer.dials).toBe(1);
    const far = dialer.peers[0] as MemoryStreamEnd;
    const it = far.receive()[Symbol.asyncIterator]();
    const req = await next(it);
    expect(req.messageSeqNo).toBe(1n);
    await far.send(replyMessage(req, new Uint8Array([2])));
    await tick();
    expect(c.rec.replies).toHaveLength(1);
    expect(ch.pendingCount).toBe(0);
    ch.close();
  });

  it("fails queued calls when the dial fails, then backs off", async () => {
    const refused = new ConnectError("connection refused", Code.Unavailable);
    const dialer = testDialer(() => refused);
    const ch = new Channel({ nodeID: 1, dialer, backoff: { initialMs: 10_000, maxMs: 10_000 } });
    const a = call(1n);
    ch.send(a);
    await tick();
    expect(a.rec.errors).toEqual([refused]);
    expect(ch.lastError).toBe(refused);
    // The first failure allows an immediate retry; the second starts the backoff.
    const b = call(2n);
    ch.send(b);
    await tick();
    expect(dialer.dials).toBe(2);
    const c = call(3n);
    ch.send(c);
    await tick();
    expect(dialer.dials).toBe(2);
    expect(c.rec.errors).toEqual([refused]);
    ch.close();
  });

  it("re-sends unanswered unary calls on a new stream and fails streaming ones", async () => {
    const dialer = testDialer();
    const ch = new Channel({ nodeID: 1, dialer });
    const unary = call(1n);
    const streaming = call(2n, "streaming");
    ch.send(unary);
    ch.send(streaming);
    await tick();
    const first = dialer.peers[0] as MemoryStreamEnd;
    const it1 = first.receive()[Symbol.asyncIterator]();
    await next(it1);
    await next(it1);
    first.fail(new ConnectError("connection reset", Code.Unavailable));
    await tick();
    expect(streaming.rec.errors).toEqual([ErrStreamDown]);
    expect(dialer.dials).toBe(2);
    const second = dialer.peers[1] as MemoryStreamEnd;
    const it2 = second.receive()[Symbol.asyncIterator]();
    const resent = await next(it2);
    expect(resent.messageSeqNo).toBe(1n);
    await second.send(replyMessage(resent, new Uint8Array()));
    await tick();
    expect(unary.rec.replies).toHaveLength(1);
    expect(unary.rec.errors).toHaveLength(0);
    ch.close();
  });

  it("fails every pending call with 'node closed' on close, and later calls too", async () => {
    const dialer = testDialer();
    const ch = new Channel({ nodeID: 1, dialer });
    const a = call(1n);
    ch.send(a);
    await tick();
    ch.close();
    expect(a.rec.errors).toEqual([ErrNodeClosed]);
    expect(dialer.closed).toBe(true);
    const b = call(2n);
    ch.send(b);
    expect(b.rec.errors).toEqual([ErrNodeClosed]);
    expect(ErrNodeClosed.code).toBe(Code.Unavailable);
    expect(ErrNodeClosed.rawMessage).toBe("node closed");
  });

  it("confirms one-way calls once written and never registers them", async () => {
    const dialer = testDialer();
    const ch = new Channel({ nodeID: 1, dialer });
    const c = call(1n, "oneway");
    ch.send(c);
    await tick();
    const it = (dialer.peers[0] as MemoryStreamEnd).receive()[Symbol.asyncIterator]();
    await next(it);
    await tick();
    expect(c.rec.sent).toBe(1);
    expect(ch.pendingCount).toBe(0);
    ch.close();
  });

  it("drops replies nobody waits for, and forgets cancelled calls", async () => {
    const dialer = testDialer();
    const ch = new Channel({ nodeID: 1, dialer });
    const c = call(1n);
    ch.send(c);
    await tick();
    const far = dialer.peers[0] as MemoryStreamEnd;
    const it = far.receive()[Symbol.asyncIterator]();
    const req = await next(it);
    ch.cancel(c);
    expect(ch.pendingCount).toBe(0);
    await far.send(replyMessage(req, new Uint8Array()));
    await far.send(replyMessage({ ...req, messageSeqNo: 99n }, new Uint8Array()));
    await tick();
    expect(c.rec.replies).toHaveLength(0);
    expect(ch.isConnected()).toBe(true);
    ch.close();
  });

  it("hands requests from the other side (high bit) to onRequest, and answers Unimplemented without one", async () => {
    const served: Message[] = [];
    const dialer = testDialer();
    const ch = new Channel({
      nodeID: 1,
      dialer,
      onRequest: (req, reply) => {
        served.push(req);
        void reply(replyMessage(req, new Uint8Array([9])));
      },
    });
    await ch.connect();
    const far = dialer.peers[0] as MemoryStreamEnd;
    const it = far.receive()[Symbol.asyncIterator]();
    await far.send(requestMessage(SERVER_INITIATED_BIT | 5n, "x.Y.Z", new Uint8Array(), []));
    const reply = await next(it);
    expect(served).toHaveLength(1);
    expect(reply.messageSeqNo).toBe(SERVER_INITIATED_BIT | 5n);
    expect(reply.payload).toEqual(new Uint8Array([9]));
    ch.close();

    const dialer2 = testDialer();
    const plain = new Channel({ nodeID: 2, dialer: dialer2 });
    await plain.connect();
    const far2 = dialer2.peers[0] as MemoryStreamEnd;
    const it2 = far2.receive()[Symbol.asyncIterator]();
    await far2.send(requestMessage(SERVER_INITIATED_BIT | 6n, "x.Y.Z", new Uint8Array(), []));
    const err = await next(it2);
    expect(err.status?.code).toBe(Code.Unimplemented);
    plain.close();
  });

  it("measures latency as an EWMA of unary round trips (-1 until measured)", async () => {
    const dialer = testDialer();
    const ch = new Channel({ nodeID: 1, dialer });
    expect(ch.latencyMs).toBe(-1);
    ch.send(call(1n));
    await tick();
    const far = dialer.peers[0] as MemoryStreamEnd;
    const it = far.receive()[Symbol.asyncIterator]();
    const req = await next(it);
    await new Promise((r) => setTimeout(r, 30));
    await far.send(replyMessage(req, new Uint8Array()));
    await tick();
    const first = ch.latencyMs;
    expect(first).toBeGreaterThanOrEqual(25);
    ch.send(call(2n));
    const req2 = await next(it);
    await far.send(replyMessage(req2, new Uint8Array()));
    await tick();
    expect(ch.latencyMs).toBeLessThan(first);
    expect(ch.latencyMs).toBeGreaterThan(0.8 * first - 1);
    ch.close();
  });
});

describe("Channel (inbound)", () => {
  it("sends on the peer's stream with the high bit, fails with 'stream is down' after it ends, and never closes it", async () => {
    const [near, far] = memoryStreamPair();
    const downs: ConnectError[] = [];
    const ch = new Channel({ nodeID: 3, stream: near, onStreamDown: (_c, e) => downs.push(e) });
    expect(ch.isInbound()).toBe(true);
    expect(ch.serverInitiated).toBe(true);
    const c = call(SERVER_INITIATED_BIT | 1n);
    ch.send(c);
    const it = far.receive()[Symbol.asyncIterator]();
    const req = await next(it);
    await far.send(replyMessage(req, new Uint8Array()));
    await tick();
    expect(c.rec.replies).toHaveLength(1);
    // A pending call fails when the peer's stream breaks; later sends fail at once.
    const pending = call(SERVER_INITIATED_BIT | 2n);
    ch.send(pending);
    await next(it);
    far.fail(new ConnectError("peer gone", Code.Unavailable));
    await tick();
    expect(pending.rec.errors).toEqual([ErrStreamDown]);
    expect(downs).toHaveLength(1);
    const later = call(SERVER_INITIATED_BIT | 3n);
    ch.send(later);
    expect(later.rec.errors).toEqual([ErrStreamDown]);
  });

  it("does not close the peer's stream when closed", async () => {
    const [near] = memoryStreamPair();
    const ch = new Channel({ nodeID: 3, stream: near });
    ch.close();
    expect(near.closed).toBe(false);
  });
});

/**
 * A stream that offers `consume`, as the node:http2 streams do: `arrive`
 * stands for the transport reading messages (one 'data' event).
 */
function consumingStream() {
  const sent: Message[] = [];
  const events: string[] = [];
  const queue = new MessageQueue<Message>({
    pause: () => events.push("pause"),
    resume: () => events.push("resume"),
    stopped: () => events.push("stopped"),
  });
  const stream: BidiStream & { closedWith: Array<Error | undefined> } = {
    closedWith: [],
    send: (msg) => {
      sent.push(msg);
      return Promise.resolve();
    },
    receive: () => queue,
    consume: (sink) => queue.consume(sink),
    close(reason) {
      this.closedWith.push(reason);
      queue.end(reason);
    },
  };
  const arrive = (...msgs: Message[]) => {
    for (const m of msgs) {
      queue.push(m);
    }
  };
  return { stream, queue, sent, events, arrive };
}

describe("Channel on a stream with consume", () => {
  it("routes the replies inside the stream's read, with no microtask per message", async () => {
    const { stream, sent, arrive } = consumingStream();
    const ch = new Channel({ nodeID: 3, stream });
    await tick(); // consume starts delivering after the channel's turn
    const calls = [1n, 2n, 3n, 4n].map((seq) => call(SERVER_INITIATED_BIT | seq));
    for (const c of calls) {
      ch.send(c);
    }
    arrive(...sent.map((req) => replyMessage(req, new Uint8Array())));
    expect(calls.map((c) => c.rec.replies.length)).toEqual([1, 1, 1, 1]); // no await in between
    expect(ch.pendingCount).toBe(0);
  });

  it("reads no further while onRequest's promise is pending, and on in order once it settles", async () => {
    const { stream, arrive } = consumingStream();
    const room: Array<() => void> = [];
    const served: bigint[] = [];
    new Channel({
      nodeID: 3,
      stream,
      onRequest: (req) => {
        served.push(req.messageSeqNo);
        if (req.messageSeqNo === 1n) {
          return new Promise<void>((r) => room.push(r));
        }
      },
    });
    await tick();
    arrive(...[1n, 2n, 3n].map((seq) => requestMessage(seq, "testsvc.TestService.Echo", new Uint8Array(), [])));
    expect(served).toEqual([1n]);
    room[0]?.();
    await tick();
    expect(served).toEqual([1n, 2n, 3n]);
  });

  it("takes the stream down when a reply's callback throws, without throwing into the read", async () => {
    const { stream, sent, events, arrive } = consumingStream();
    const downs: ConnectError[] = [];
    const ch = new Channel({ nodeID: 3, stream, onStreamDown: (_c, e) => downs.push(e) });
    await tick();
    const bad = call(SERVER_INITIATED_BIT | 1n);
    bad.onReply = () => {
      throw new Error("user callback bug");
    };
    const other = call(SERVER_INITIATED_BIT | 2n);
    ch.send(bad);
    ch.send(other);
    expect(() => arrive(...sent.map((req) => replyMessage(req, new Uint8Array())))).not.toThrow();
    expect(events).toEqual(["stopped"]);
    await tick();
    expect(downs.map((e) => e.message)).toEqual(["[unavailable] user callback bug"]);
    expect(other.rec.replies).toEqual([]);
    expect(other.rec.errors).toEqual([ErrStreamDown]); // an inbound channel's calls fail with the stream
    expect(ch.isConnected()).toBe(false);
  });

  it("reports the stream's clean end from a microtask, and an onStreamDown that throws then goes no further (as the read loop did)", async () => {
    const { stream, queue } = consumingStream();
    const downs: ConnectError[] = [];
    new Channel({
      nodeID: 3,
      stream,
      onStreamDown: (_c, e) => {
        downs.push(e);
        throw new Error("callback bug");
      },
    });
    await tick();
    queue.end();
    expect(downs).toEqual([]);
    await tick(); // an unhandled rejection here would fail the run
    expect(downs).toEqual([ErrStreamDown]);
  });
});

/** A stream whose peer announced the cancel capability; `sent` records what the channel wrote, in order. */
function cancellingStream() {
  const sent: Message[] = [];
  const queue = new MessageQueue<Message>({ pause: () => {}, resume: () => {}, stopped: () => {} });
  const stream: BidiStream = {
    send: (msg) => {
      sent.push(msg);
      return Promise.resolve();
    },
    receive: () => queue,
    consume: (sink) => queue.consume(sink),
    close: (reason) => queue.end(reason),
    accepted: Promise.resolve(),
    peerHeaders: new Headers({ [CAPABILITIES_HEADER]: CANCEL_CAPABILITY }),
  };
  /** What was written: "req N" or "cancel N" (N without the accepting side's high bit). */
  const written = () => sent.map((m) => `${isCancel(m) ? "cancel" : "req"} ${m.messageSeqNo & ~SERVER_INITIATED_BIT}`);
  return { stream, queue, written };
}

describe("Channel: the cancels of a satisfied call's stragglers", () => {
  const nextTurn = () => new Promise((r) => setImmediate(r));

  it("go out at the end of the turn when nothing else is written to the node", async () => {
    const { stream, written } = cancellingStream();
    const ch = new Channel({ nodeID: 3, stream });
    const c = call(SERVER_INITIATED_BIT | 1n);
    ch.send(c);
    ch.cancel(c);
    expect(written()).toEqual(["req 1"]);
    await nextTurn();
    expect(written()).toEqual(["req 1", "cancel 1"]);
    expect(ch.pendingCount).toBe(0);
  });

  it("go out before the next call written to the node in the same turn, in its write, and only once", async () => {
    const { stream, written } = cancellingStream();
    const ch = new Channel({ nodeID: 3, stream });
    const first = call(SERVER_INITIATED_BIT | 1n);
    ch.send(first);
    ch.cancel(first); // the call has its quorum elsewhere: this node is a straggler
    const second = call(SERVER_INITIATED_BIT | 2n);
    ch.send(second); // the caller's next call, before the turn ends
    expect(written()).toEqual(["req 1", "cancel 1", "req 2"]);
    await nextTurn();
    expect(written()).toEqual(["req 1", "cancel 1", "req 2"]);
    expect(ch.pendingCount).toBe(1);
  });

  it("are not sent for a straggler whose reply came before the turn ended and before the next call", async () => {
    const { stream, queue, written } = cancellingStream();
    const ch = new Channel({ nodeID: 3, stream });
    await tick(); // consume starts delivering after the channel's turn
    const c = call(SERVER_INITIATED_BIT | 1n);
    ch.send(c);
    ch.cancel(c);
    queue.push(replyMessage(requestMessage(SERVER_INITIATED_BIT | 1n, "m", new Uint8Array(), []), new Uint8Array()));
    ch.send(call(SERVER_INITIATED_BIT | 2n));
    await nextTurn();
    expect(written()).toEqual(["req 1", "req 2"]);
    expect(c.rec.replies).toHaveLength(0); // its caller had gone: the late reply is dropped
  });
});
