import type { Configuration } from "../core/configuration.js";
import type { Node } from "../core/node.js";

/** Rewrites the request for one node; `undefined` skips the node. */
export type RequestTransform<Req> = (req: Req, node: Node) => Req | undefined;

/** What a QuorumInterceptor knows about the call it intercepts (`Resp` types its replies). */
export class ClientCtx<Req, Resp> {
  /** @private Request rewrites, applied in order per node (see `mapRequest`). */
  readonly requestTransforms: RequestTransform<Req>[] = [];

  constructor(
    /** The request as the caller gave it. */
    readonly request: Req,
    /** The nodes the call goes to. */
    readonly config: Configuration,
    /** Full proto name of the method, "pkg.Service.Method". */
    readonly method: string,
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
}
