import type { Configuration } from "./configuration.js";
import type { Node } from "./node.js";

/** Options of the calls made with one context. */
export interface CallContextOptions {
  /** Cancels the calls: they fail with Canceled (or the signal's ConnectError reason). */
  signal?: AbortSignal;
  /** Deadline of each call, counted from the moment it is sent: DeadlineExceeded after. */
  timeoutMs?: number;
  /** Per-call metadata, sent with every request as message entries. */
  metadata?: Record<string, string>;
}

/** What every call context carries: cancellation, deadline, metadata. */
abstract class CallContext {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  readonly metadata: Readonly<Record<string, string>> | undefined;

  constructor(opts: CallContextOptions) {
    this.signal = opts.signal;
    this.timeoutMs = opts.timeoutMs;
    this.metadata = opts.metadata;
  }
}

/** The context of calls to every node of a configuration (quorum calls, multicast). */
export class ConfigContext extends CallContext {
  constructor(
    /** The configuration the calls go to. */
    readonly config: Configuration,
    opts: CallContextOptions = {},
  ) {
    super(opts);
  }
}

/** The context of calls to one node (rpc, unicast). */
export class NodeContext extends CallContext {
  constructor(
    /** The node the calls go to. */
    readonly node: Node,
    opts: CallContextOptions = {},
  ) {
    super(opts);
  }
}
