/**
 * Configuration.watch (Go behavior 56, TestConfigurationWatch): emits derive(c)
 * at once, stays silent while the derived configuration is unchanged (equals),
 * emits again after a latency change driven through a fake CallChannel, ends
 * when the signal aborts (before, between and during waits) or the consumer
 * breaks, and throws on an interval ≤ 0 or a missing derive function. Timing:
 * only "nothing arrives within many intervals" and generous upper bounds.
 */
import { describe, expect, it } from "vitest";
import type { Configuration } from "../../src/core/configuration.js";
import { byLatency } from "../../src/index.js";
import { fakeConfig } from "./fakes.js";

const top = (k: number) => (c: Configuration) => {
  const sorted = c.sortBy(byLatency);
  return sorted.remove(...sorted.nodeIDs().slice(k));
};

/**
 * Reads an async iterator with a time limit. A read that timed out stays
 * pending (an async generator queues next() calls), so the following read
 * waits for that same promise rather than asking for a later item.
 */
class Reader<T> {
  private pending: Promise<IteratorResult<T>> | undefined;
  constructor(private readonly it: AsyncIterator<T>) {}

  async next(ms: number): Promise<IteratorResult<T> | "timeout"> {
    const p = this.pending ?? this.it.next();
    this.pending = p;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    });
    try {
      const r = await Promise.race([p, timeout]);
      if (r !== "timeout") {
        this.pending = undefined;
      }
      return r;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The IDs of the next configuration; fails the test on a timeout or the end. */
  async nextIDs(ms = 5000): Promise<number[]> {
    const r = await this.next(ms);
    if (r === "timeout" || r.done === true) {
      throw new Error(`expected an emission, got ${r === "timeout" ? "a timeout" : "the end"}`);
    }
    return (r.value as Configuration).nodeIDs();
  }
}

function reader(items: AsyncIterable<Configuration>): Reader<Configuration> {
  return new Reader(items[Symbol.asyncIterator]());
}

const five = () =>
  fakeConfig([
    { id: 1, latencyMs: 30 },
    { id: 2, latencyMs: 10 },
    { id: 3, latencyMs: 20 },
    { id: 4, latencyMs: 40 },
    { id: 5, latencyMs: 50 },
  ]);

describe("watch", () => {
  it("emits derive(c) at once: the top 3 by latency [2, 3, 1]", async () => {
    const ac = new AbortController();
    const r = reader(five().config.watch(3_600_000, top(3), { signal: ac.signal }));
    try {
      expect(await r.nextIDs()).toEqual([2, 3, 1]);
    } finally {
      ac.abort();
    }
  });

  it("is silent while the derived configuration is unchanged, though derive runs every interval", async () => {
    const ac = new AbortController();
    let calls = 0;
    const derive = (c: Configuration) => {
      calls++;
      return top(3)(c);
    };
    const r = reader(five().config.watch(5, derive, { signal: ac.signal }));
    try {
      expect(await r.nextIDs()).toEqual([2, 3, 1]);
      expect(await r.next(150)).toBe("timeout");
      expect(calls).toBeGreaterThan(2);
    } finally {
      ac.abort();
    }
    expect(await r.next(5000)).toEqual({ done: true, value: undefined });
  });

  it("emits the new top 2 after a latency change, and only when it changes", async () => {
    const { config, registry } = fakeConfig([
      { id: 1, latencyMs: 10 },
      { id: 2, latencyMs: 30 },
      { id: 3, latencyMs: 20 },
    ]);
    const ac = new AbortController();
    const r = reader(config.watch(10, top(2), { signal: ac.signal }));
    try {
      expect(await r.nextIDs()).toEqual([1, 3]);
      registry.channel(1).latencyMs = 40;
      registry.channel(2).latencyMs = 5;
      expect(await r.nextIDs()).toEqual([2, 3]);
      // A change that leaves the top 2 as it is does not emit.
      registry.channel(1).latencyMs = 45;
      expect(await r.next(100)).toBe("timeout");
      // Order within the top 2 counts (equals is order-sensitive).
      registry.channel(3).latencyMs = 1;
      expect(await r.nextIDs()).toEqual([3, 2]);
      // A node whose latency is not yet measured drops out of the top.
      registry.channel(3).latencyMs = -1;
      expect(await r.nextIDs()).toEqual([2, 1]);
    } finally {
      ac.abort();
    }
  });

  it("ends when the signal aborts while the consumer waits", async () => {
    const ac = new AbortController();
    const r = reader(five().config.watch(3_600_000, top(3), { signal: ac.signal }));
    await r.nextIDs();
    expect(await r.next(20)).toBe("timeout");
    ac.abort();
    expect(await r.next(5000)).toEqual({ done: true, value: undefined });
  });

  it("ends when the signal aborted between reads", async () => {
    const ac = new AbortController();
    const r = reader(five().config.watch(3_600_000, top(3), { signal: ac.signal }));
    await r.nextIDs();
    ac.abort();
    expect(await r.next(5000)).toEqual({ done: true, value: undefined });
  });

  it("with an already aborted signal: the initial emission, then the end", async () => {
    const seen: number[][] = [];
    for await (const c of five().config.watch(10, top(1), { signal: AbortSignal.abort() })) {
      seen.push(c.nodeIDs());
    }
    expect(seen).toEqual([[2]]);
  });

  it("stops deriving once the consumer breaks", async () => {
    let calls = 0;
    const derive = (c: Configuration) => {
      calls++;
      return c;
    };
    for await (const c of five().config.watch(5, derive)) {
      expect(c.size).toBe(5);
      break;
    }
    const after = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(after);
  });

  it("throws on an interval ≤ 0 or not a number, and on a missing derive", () => {
    const { config } = five();
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => config.watch(bad, (c) => c)).toThrowError(new Error("gorums: Watch interval must be positive"));
    }
    expect(() => config.watch(10, undefined as unknown as (c: Configuration) => Configuration)).toThrowError(
      new Error("gorums: Watch derive function must be non-nil"),
    );
  });
});
