import type { NodeResponse } from "./node-response.js";

/**
 * The replies of a call, in arrival order, as an async iterable with helpers
 * for custom aggregation. Iterating starts the call if it has not started.
 * Stopping an iteration early (break) ends the call: later replies are
 * dropped.
 */
export interface ResponseSeq<T> extends AsyncIterable<NodeResponse<T>> {
  /** Only the replies without error. */
  ignoreErrors(): ResponseSeq<T>;
  /** Only the replies for which `keep` is true. */
  filter(keep: (r: NodeResponse<T>) => boolean): ResponseSeq<T>;
  /** The values of the first `n` successful replies, by node ID (fewer if the call ends first). */
  collectN(n: number): Promise<Map<number, T>>;
  /** The values of all successful replies, by node ID. */
  collectAll(): Promise<Map<number, T>>;
}

/**
 * Makes a ResponseSeq from any async iterable of node responses, e.g. an
 * async generator in a QuorumInterceptor that rewrites `next`.
 */
export function responseSeq<T>(source: AsyncIterable<NodeResponse<T>>): ResponseSeq<T> {
  return new IterableResponseSeq(source);
}

class IterableResponseSeq<T> implements ResponseSeq<T> {
  constructor(private readonly source: AsyncIterable<NodeResponse<T>>) {}

  [Symbol.asyncIterator](): AsyncIterator<NodeResponse<T>> {
    return this.source[Symbol.asyncIterator]();
  }

  ignoreErrors(): ResponseSeq<T> {
    return this.filter((r) => r.error === undefined);
  }

  filter(keep: (r: NodeResponse<T>) => boolean): ResponseSeq<T> {
    const source = this.source;
    return responseSeq({
      async *[Symbol.asyncIterator]() {
        for await (const r of source) {
          if (keep(r)) {
            yield r;
          }
        }
      },
    });
  }

  async collectN(n: number): Promise<Map<number, T>> {
    const values = new Map<number, T>();
    if (n <= 0) {
      return values;
    }
    for await (const r of this.source) {
      if (r.error === undefined) {
        values.set(r.nodeID, r.value);
        if (values.size >= n) {
          break;
        }
      }
    }
    return values;
  }

  collectAll(): Promise<Map<number, T>> {
    return this.collectN(Number.POSITIVE_INFINITY);
  }
}
