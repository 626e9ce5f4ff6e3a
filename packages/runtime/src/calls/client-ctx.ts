import type { ConnectError } from "@connectrpc/connect";
import type { Configuration } from "../core/configuration.js";
import type { Node } from "../core/node.js";
import { abortError } from "../wire/errors.js";
import type { CallLimits } from "./call-lifetime.js";

/** Rewrites the request for one node; `undefined` skips the node. */
export type RequestTransform<Req> = (req: Req, node: Node) => Req | undefined;

/** The call's limits as its context gave them: signal, deadline, metadata. */
export type ClientCallLimits = CallLimits & { readonly metadata?: Readonly<Record<string, string>> | undefined };

/**
 * What a QuorumInterceptor knows about the call it intercepts (`Resp` types
 * its replies): the request, the nodes, the method, and the call's context —
 * its `signal`, deadline (`timeoutMs`, `deadline`) and outgoing `metadata`,
 * to which an interceptor may add entries before the call is sent.
 */
export class ClientCtx<Req, Resp> {
  /** @private Request rewrites, applied in order per node (see `mapRequest`). */
  readonly requestTransforms: RequestTransform<Req>[] = [];
  private controller: AbortController | undefined;
  private headers: Headers | undefined;
  private sentAt: number | undefined;
  private endedBy: ConnectError | undefined;

  constructor(
    /** The request as the caller gave it. */
    readonly request: Req,
    /** The nodes the call goes to. */
    readonly config: Configuration,
    /** Full proto name of the method, "pkg.Service.Method". */
    readonly method: string,
    /** @private The signal, timeout and metadata of the call's context. */
    private readonly limits: ClientCallLimits = {},
  ) {}

  /** The nodes the call goes to. */
  nodes(): readonly Node[] {
    return this.config.nodes();
  }

  /** The node with this ID, if the call goes to it. */
  node(id: number): Node | undefined {
    return this.config.node(id);
  }

  /** Number of nodes the call goes to. */
  get size(): number {
    return this.config.size;
  }

  /** Adds a per-node request rewrite (what `mapRequest` uses). */
  transformRequest(fn: RequestTransform<Req>): void {
    this.requestTransforms.push(fn);
  }

  /**
   * Aborts when the call's signal or deadline ends it, with that
   * ConnectError (Canceled, DeadlineExceeded, or the signal's own
   * ConnectError reason) as its `reason`. A call that ends otherwise —
   * every node answered, a terminal method was satisfied — leaves it
   * unaborted.
   */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      const given = this.limits.signal;
      const reason = this.endedBy ?? (given?.aborted === true ? abortError(given) : undefined);
      if (reason !== undefined) {
        this.controller.abort(reason);
      }
    }
    return this.controller.signal;
  }

  /** The call's time budget in ms, counted from its send (the context's `timeoutMs`); undefined: none. */
  get timeoutMs(): number | undefined {
    const t = this.limits.timeoutMs;
    return t !== undefined && t > 0 && Number.isFinite(t) ? t : undefined;
  }

  /**
   * When the call's deadline passes, in ms since the epoch (as `Date.now()`);
   * undefined without a timeout. Fixed once the call is sent; before that,
   * the deadline it would have if sent now.
   */
  get deadline(): number | undefined {
    const t = this.timeoutMs;
    return t === undefined ? undefined : (this.sentAt ?? Date.now()) + t;
  }

  /**
   * The call's outgoing metadata: the context's `metadata`, sent with every
   * request as message entries (handlers read them in `ServerCtx.metadata`).
   * Entries an interceptor sets before the call is sent (in its body, or in
   * its wrapper before it reads `next`) go out with the call; later changes
   * do not.
   */
  get metadata(): Headers {
    this.headers ??= new Headers(this.limits.metadata as Record<string, string> | undefined);
    return this.headers;
  }

  /** @private The metadata to send: the context's record, or the headers if an interceptor touched them. */
  outgoingMetadata(): Readonly<Record<string, string>> | undefined {
    if (this.headers === undefined) {
      return this.limits.metadata;
    }
    return Object.fromEntries(this.headers);
  }

  /** @private The call is being sent now: its deadline is fixed. */
  markSent(): void {
    this.sentAt = Date.now();
  }

  /** @private The call's signal or deadline ended it. */
  abort(err: ConnectError): void {
    this.endedBy ??= err;
    this.controller?.abort(err);
  }
}
