/**
 * The JSON-lines protocol every interop peer speaks, the TypeScript one
 * (`peer-main.ts`) and the Go one (`interop/go`): commands on stdin, one
 * reply line per command and unsolicited events on stdout. The tests drive
 * both through it, so that every cell of the matrix runs the same steps.
 */

/** The storage methods a command can call. */
export type StorageOp =
  | "readRPC"
  | "writeRPC"
  | "writeUnicast"
  | "writeMulticast"
  | "readQC"
  | "writeQC"
  | "readNestedQC"
  | "writeNestedMulticast"
  | "readCorrectable";

/** Which nodes a command calls: the client's dialed nodes, a server's Config(), ClientConfig(), or a system's outbound configuration. */
export type Target = "nodes" | "config" | "clients" | "outbound";

/** How many successful replies a quorum call waits for. */
export type Quorum = "first" | "majority" | "all" | number;

/** One command, as written to a peer's stdin. */
export interface Command {
  readonly id: number;
  readonly op: StorageOp | "call" | "config" | "quit";
  /** The node of an rpc, unicast or raw call. */
  readonly node?: number;
  readonly target?: Target;
  readonly key?: string;
  readonly value?: string;
  /** The write's Timestamp, in whole seconds (omitted: no time). */
  readonly ts?: number;
  readonly quorum?: Quorum;
  /** readCorrectable: the level to wait for. */
  readonly level?: number;
  /** The call's deadline (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Per-message metadata entries of the call. */
  readonly metadata?: Record<string, string>;
  /** op "call": the raw method name, sent as an rpc with a ReadRequest{key}. */
  readonly method?: string;
}

/** A reply's storage message, as JSON. */
export interface ReplyBody {
  readonly ok?: boolean;
  readonly value?: string;
  readonly ts?: number;
  readonly new?: boolean;
}

/** A per-node failure of a quorum call or multicast. */
export interface NodeFailure {
  readonly node: number;
  readonly code: number;
  readonly message: string;
}

/** The answer to one command. */
export type Result =
  | { readonly id: number; readonly ok: true; readonly reply?: ReplyBody; readonly level?: number; readonly ids?: number[] }
  | {
      readonly id: number;
      readonly ok: false;
      /** The gRPC code (4: deadline exceeded, 1: canceled, 12: unimplemented, …). */
      readonly code: number;
      /** The status message. */
      readonly message: string;
      /** The whole error text. */
      readonly error: string;
      readonly nodeErrors?: NodeFailure[];
    };

/** An unsolicited line. */
export type PeerEvent =
  | { readonly event: "listening"; readonly addr: string }
  | { readonly event: "ready" }
  | { readonly event: "config" | "clients"; readonly ids: number[] };
