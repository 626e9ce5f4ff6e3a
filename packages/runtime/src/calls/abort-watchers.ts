/**
 * One "abort" listener per AbortSignal, however many calls watch it. Calls
 * that share a signal (an application's shutdown signal, a handler's
 * `ctx.signal` passed to its nested calls) would otherwise add a listener
 * each, and Node warns past ten (MaxListenersExceededWarning) although
 * nothing leaks. The listener goes when the last watcher leaves.
 */

/** The watchers of one signal and the one listener that runs them. */
interface Watched {
  readonly callbacks: Set<() => void>;
  readonly fire: () => void;
}

const watched = new WeakMap<AbortSignal, Watched>();

/**
 * Runs `callback` once when `signal` aborts; the returned function stops
 * watching. Pass a function of its own per watch (a Set holds them).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = watched.get(signal);
  if (entry === undefined) {
    const callbacks = new Set<() => void>();
    const fire = () => {
      watched.delete(signal);
      for (const fn of callbacks) {
        fn();
      }
      callbacks.clear();
    };
    entry = { callbacks, fire };
    watched.set(signal, entry);
    signal.addEventListener("abort", fire, { once: true });
  }
  const mine = entry;
  mine.callbacks.add(callback);
  return () => {
    if (mine.callbacks.delete(callback) && mine.callbacks.size === 0 && watched.get(signal) === mine) {
      watched.delete(signal);
      signal.removeEventListener("abort", mine.fire);
    }
  };
}
