// The part of the @gorums/runtime API that generated code calls, as fixed by
// DESIGN.md §3/§4. test/typecheck compiles the generated samples against this
// declaration (mapped to "@gorums/runtime" in tsconfig.json) until the real
// runtime package exists; then the mapping is dropped.
import type {
  DescMessage,
  DescMethodServerStreaming,
  DescMethodUnary,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";

/** Calls to every node of a configuration (from `config.context()`). */
export interface ConfigContext {
  readonly kind: "config";
}

/** Calls to one node (from `node.context()`). */
export interface NodeContext {
  readonly kind: "node";
}

/** Rewrites the response sequence of a quorum call. */
export type QuorumInterceptor<Req, Resp> = (req: Req, next: AsyncIterable<Resp>) => AsyncIterable<Resp>;

/** Per-call options. */
export interface CallOptions<Req, Resp> {
  ignoreErrors?: boolean;
  interceptors?: QuorumInterceptor<Req, Resp>[];
}

/** The lazy responses of a quorum call. */
export declare class Responses<T> {
  readonly size: number;
  first(): Promise<T>;
  majority(): Promise<T>;
  all(): Promise<T>;
  threshold(n: number): Promise<T>;
}

/** What a handler learns about its call. */
export interface ServerCtx {
  readonly method: string;
  readonly signal: AbortSignal;
  release(): void;
}

/** A registered method implementation, opaque to generated code. */
export interface Handler {
  readonly handler: true;
}

/** Serves Gorums calls. */
export declare class Server {
  registerHandler(method: string, handler: Handler): void;
}

export declare function rpcCall<I extends DescMessage, O extends DescMessage>(ctx: NodeContext, method: DescMethodUnary<I, O>, req: MessageInitShape<I>, opts?: CallOptions<MessageShape<I>, MessageShape<O>>): Promise<MessageShape<O>>;
export declare function unicastCall<I extends DescMessage, O extends DescMessage>(ctx: NodeContext, method: DescMethodUnary<I, O>, req: MessageInitShape<I>, opts?: CallOptions<MessageShape<I>, MessageShape<O>>): Promise<void>;
export declare function multicastCall<I extends DescMessage, O extends DescMessage>(ctx: ConfigContext, method: DescMethodUnary<I, O>, req: MessageInitShape<I>, opts?: CallOptions<MessageShape<I>, MessageShape<O>>): Promise<void>;
export declare function quorumCall<I extends DescMessage, O extends DescMessage>(ctx: ConfigContext, method: DescMethodUnary<I, O>, req: MessageInitShape<I>, opts?: CallOptions<MessageShape<I>, MessageShape<O>>): Responses<MessageShape<O>>;
export declare function quorumCallStream<I extends DescMessage, O extends DescMessage>(ctx: ConfigContext, method: DescMethodServerStreaming<I, O>, req: MessageInitShape<I>, opts?: CallOptions<MessageShape<I>, MessageShape<O>>): Responses<MessageShape<O>>;

export declare function twoWayHandler<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, impl: (ctx: ServerCtx, req: MessageShape<I>) => MessageInitShape<O> | Promise<MessageInitShape<O>>): Handler;
export declare function oneWayHandler<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, impl: (ctx: ServerCtx, req: MessageShape<I>) => void | Promise<void>): Handler;
export declare function streamHandler<I extends DescMessage, O extends DescMessage>(method: DescMethodServerStreaming<I, O>, impl: (ctx: ServerCtx, req: MessageShape<I>, send: (resp: MessageInitShape<O>) => Promise<void>) => void | Promise<void>): Handler;
