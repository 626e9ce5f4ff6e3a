/** How a channel spaces its attempts to reach a node that failed. */
export interface BackoffOptions {
  /** Delay before the second consecutive attempt. Default 100 ms. */
  initialMs?: number;
  /** Upper bound of the delay. Default 1000 ms. */
  maxMs?: number;
  /** Growth of the delay per further failure. Default 1.6. */
  multiplier?: number;
  /** Random spread, as a fraction of the delay (0.2: ±20%). Default 0.2. */
  jitter?: number;
}

const defaults: Required<BackoffOptions> = { initialMs: 100, maxMs: 1000, multiplier: 1.6, jitter: 0.2 };

/**
 * The delay before the next attempt after `failures` consecutive failures:
 * none after the first (a stream that broke once is re-opened at once), then
 * exponential with jitter up to `maxMs`.
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  if (failures <= 1) {
    return 0;
  }
  const o = { ...defaults, ...options };
  const base = Math.min(o.maxMs, o.initialMs * o.multiplier ** (failures - 2));
  const spread = base * o.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(o.maxMs, base + spread));
}
