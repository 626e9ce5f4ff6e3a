import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import type { Configuration } from "../core/configuration.js";
import { ErrSkipNode } from "../core/errors.js";
import type { Message, MetadataEntry } from "../gen/stream_pb.js";
import { timeoutEntry } from "../wire/call-end.js";
import { EncodedMessage } from "../wire/encoded-message.js";
import { metadataEntries, requestMessage } from "../wire/message.js";
import type { CallKind } from "../wire/pending-call.js";
import { callSequence, SERVER_INITIATED_BIT } from "../wire/sequence.js";
import { CallLeg, type CallLegOwner } from "./call-leg.js";
import { watchCallLimits } from "./call-lifetime.js";
import type { CallOptions } from "./call-options.js";
import { type ClientCallLimits, ClientCtx } from "./client-ctx.js";
import { decodeReply, encodePayload } from "./codec.js";
import type { NodeResponse } from "./node-response.js";
import { ReplyBuffer } from "./reply-buffer.js";
import { type ResponseSeq, responseSeq } from "./response-seq.js";

/** What a call needs to run. */
export interface CallSpec<I extends DescMessage, O extends DescMessage> {
  /** The nodes. */
  readonly config: Configuration;
  /** Signal, deadline and per-call metadata. */
  readonly limits: ClientCallLimits;
  /** "pkg.Service.Method". */
  readonly method: string;
  readonly input: I;
  readonly output: O;
  readonly request: MessageInitShape<I>;
  readonly kind: CallKind;
  readonly options?: CallOptions<MessageShape<I>, MessageShape<O>> | undefined;
}

/**
 * One call to the nodes of a configuration. Nothing is sent until `start()`
 * or until someone iterates `seq` (the replies, after the interceptors). The
 * call ends when every node has answered or failed, when its signal or
 * deadline fires (nodes still silent then report that error; streaming calls
 * just end), on `finish()`, or when its last reader stops early.
 *
 * Several readers may iterate `seq` at once (two terminal methods, a
 * correctable and `results()`); each sees every reply from the first. A
 * reader that stops early (break, a satisfied terminal) ends the call only
 * when no other reader is still iterating, so one terminal never cuts
 * another short. A reader that starts after the call ended sees the replies
 * it got. Interceptors must pass `return()` on to the sequence they wrap (an
 * async generator's `for await` does), or the call runs until every node
 * has answered or its deadline.
 */
export class CallRun<I extends DescMessage, O extends DescMessage> implements CallLegOwner {
  /** The replies as the caller reads them, after the interceptors. */
  readonly seq: ResponseSeq<MessageShape<O>>;
  /** What the interceptors saw of the call. */
  readonly ctx: ClientCtx<MessageShape<I>, MessageShape<O>>;
  private readonly buffer = new ReplyBuffer<MessageShape<O>>();
  /** The legs still waiting for their node, by node ID. */
  private readonly active = new Map<number, CallLeg>();
  private started = false;
  private sending = false;
  private readers = 0;
  private endError: ConnectError | undefined;
  /** Why the call could not start (its request does not encode). */
  private startError: unknown;
  private disposeLimits: (() => void) | undefined;

  constructor(private readonly spec: CallSpec<I, O>) {
    this.ctx = new ClientCtx(create(spec.input, spec.request), spec.config, spec.method, spec.limits);
    let seq: ResponseSeq<MessageShape<O>> = responseSeq({
      [Symbol.asyncIterator]: () => {
        this.start();
        this.readers++;
        return this.buffer.iterator((early) => this.readerClosed(early));
      },
    });
    for (const interceptor of spec.options?.interceptors ?? []) {
      seq = interceptor(this.ctx, seq);
    }
    this.seq = seq;
  }

  /** Number of nodes the call goes to. */
  get size(): number {
    return this.spec.config.size;
  }

  /** True for a streaming quorum call: a node may answer any number of times. */
  get streaming(): boolean {
    return this.spec.kind === "streaming";
  }

  /**
   * Canceled or DeadlineExceeded when the call's signal or deadline ended it
   * (before it was sent, or while nodes were still silent); else undefined.
   */
  get abortedBy(): ConnectError | undefined {
    return this.endError;
  }

  /**
   * Reads the replies with callbacks, without a promise per reply (what the
   * terminal methods use): like one iteration of `seq` — it starts the call,
   * counts as a reader, sees every reply from the first, and `onReply`
   * returning true stops it as a `break` would; `onEnd` runs if the call
   * ends before that. Returns false, doing nothing, when interceptors wrap
   * the replies: those must see what is read, through `seq`.
   */
  follow(onReply: (r: NodeResponse<MessageShape<O>>) => boolean, onEnd: () => void): boolean {
    if ((this.spec.options?.interceptors?.length ?? 0) > 0) {
      return false;
    }
    this.start();
    this.readers++;
    this.buffer.follow(onReply, (early) => {
      this.readerClosed(early);
      if (!early) {
        onEnd();
      }
    });
    return true;
  }

  /**
   * Sends the call, once. Throws when the request cannot be encoded (for
   * any node): then nothing is sent, the call ends without replies, and
   * every later start — another reader of the same call — throws the same.
   */
  start(): void {
    if (this.started) {
      if (this.startError !== undefined) {
        throw this.startError;
      }
      return;
    }
    this.started = true;
    const { spec } = this;
    let envelopes: Envelopes | ReadonlyMap<number, Envelopes | undefined>;
    try {
      envelopes = this.envelopes();
    } catch (err) {
      this.startError = err;
      this.buffer.end();
      throw err;
    }
    this.ctx.markSent();
    const limits = watchCallLimits(spec.limits, (err) => this.finish(err));
    if (limits.aborted !== undefined) {
      this.endError = limits.aborted;
      this.ctx.abort(limits.aborted);
      for (const node of spec.config) {
        this.buffer.push({ nodeID: node.id, error: limits.aborted });
      }
      this.buffer.end();
      return;
    }
    this.disposeLimits = limits.dispose;
    this.sending = true;
    for (const node of spec.config) {
      const forNode = envelopes instanceof Envelopes ? envelopes : envelopes.get(node.id);
      if (forNode === undefined) {
        this.buffer.push({ nodeID: node.id, error: ErrSkipNode });
        continue;
      }
      const accepted = node.channel.serverInitiated;
      const leg = new CallLeg(node, forNode.for(accepted), forNode.encodingFor(accepted), spec.kind, this);
      this.active.set(node.id, leg);
      node.channel.send(leg);
    }
    this.sending = false;
    this.endIfIdle();
  }

  /**
   * The request envelopes, all encoded before anything is sent: one shared
   * by every node, or, after `mapRequest`, one per node ID (undefined: the
   * node is skipped).
   */
  private envelopes(): Envelopes | ReadonlyMap<number, Envelopes | undefined> {
    const { spec } = this;
    const seqNo = callSequence.next();
    const entries = metadataEntries(this.ctx.outgoingMetadata());
    const timeoutMs = spec.limits.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      // The node learns the time the call has left (Go peers ignore the entry).
      entries.push(timeoutEntry(timeoutMs));
    }
    const transforms = this.ctx.requestTransforms;
    if (transforms.length === 0) {
      return new Envelopes(seqNo, spec.method, encodePayload(spec.input, this.ctx.request), entries);
    }
    const perNode = new Map<number, Envelopes | undefined>();
    for (const node of spec.config) {
      const req = transforms.reduce<MessageShape<I> | undefined>((r, fn) => (r === undefined ? undefined : fn(r, node)), this.ctx.request);
      perNode.set(node.id, req === undefined ? undefined : new Envelopes(seqNo, spec.method, encodePayload(spec.input, req), entries));
    }
    return perNode;
  }

  /**
   * Ends the call: nodes still silent are forgotten (late replies are
   * dropped). With `err`, non-streaming calls report it for those nodes.
   */
  finish(err?: ConnectError): void {
    if (this.buffer.isEnded) {
      return;
    }
    this.started = true;
    if (err !== undefined) {
      this.endError = err;
      this.ctx.abort(err);
    }
    for (const leg of this.active.values()) {
      leg.node.channel.cancel(leg, err);
      if (err !== undefined && this.spec.kind !== "streaming") {
        this.buffer.push({ nodeID: leg.nodeID, error: err });
      }
    }
    this.active.clear();
    this.end();
  }

  private readerClosed(early: boolean): void {
    this.readers--;
    if (early && this.readers === 0) {
      this.finish();
    }
  }

  /** @private A reply of a leg's node (CallLeg). */
  legReplied(leg: CallLeg, reply: Message): void {
    if (this.active.get(leg.nodeID) !== leg) {
      return;
    }
    const r = decodeReply(this.spec.output, reply);
    this.buffer.push("error" in r ? { nodeID: leg.nodeID, error: r.error } : { nodeID: leg.nodeID, value: r.value });
    if (leg.kind === "unary") {
      this.legDone(leg);
    }
  }

  /** @private A leg failed at its node (CallLeg). */
  legFailed(leg: CallLeg, err: ConnectError): void {
    if (this.active.get(leg.nodeID) === leg) {
      this.buffer.push({ nodeID: leg.nodeID, error: err });
      this.legDone(leg);
    }
  }

  /** @private A one-way leg was written (CallLeg). */
  legSent(leg: CallLeg): void {
    if (this.active.get(leg.nodeID) === leg) {
      this.buffer.push({ nodeID: leg.nodeID, value: create(this.spec.output) });
      this.legDone(leg);
    }
  }

  private legDone(leg: CallLeg): void {
    this.active.delete(leg.nodeID);
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (this.active.size === 0 && !this.sending) {
      this.end();
    }
  }

  private end(): void {
    this.disposeLimits?.();
    this.disposeLimits = undefined;
    this.buffer.end();
  }
}

/**
 * The request envelope of one call, in the two numberings (dialed and
 * accepted streams), each with the encoding its streams share.
 */
class Envelopes {
  private dialed: Message | undefined;
  private accepted: Message | undefined;
  private dialedEncoding: EncodedMessage | undefined;
  private acceptedEncoding: EncodedMessage | undefined;

  constructor(
    private readonly seqNo: bigint,
    private readonly method: string,
    private readonly payload: Uint8Array,
    private readonly entries: MetadataEntry[],
  ) {}

  for(serverInitiated: boolean): Message {
    if (serverInitiated) {
      this.accepted ??= requestMessage(this.seqNo | SERVER_INITIATED_BIT, this.method, this.payload, this.entries);
      return this.accepted;
    }
    this.dialed ??= requestMessage(this.seqNo, this.method, this.payload, this.entries);
    return this.dialed;
  }

  /** Where the streams of one numbering share the encoding of `for(serverInitiated)`. */
  encodingFor(serverInitiated: boolean): EncodedMessage {
    if (serverInitiated) {
      this.acceptedEncoding ??= new EncodedMessage();
      return this.acceptedEncoding;
    }
    this.dialedEncoding ??= new EncodedMessage();
    return this.dialedEncoding;
  }
}
