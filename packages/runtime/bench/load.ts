/**
 * How load is offered: `closedLoop` keeps `concurrency` promise-returning
 * calls in flight (each worker starts its next call when the previous one
 * completes, like Go's benchmark with --concurrent goroutines); `pipelined`
 * does the same for callback-style echo clients (the raw and grpc-js
 * baselines), where a reply to a message sent in order carries its latency.
 */
import { Recorder } from "./stats.js";

/** How long and how hard a run loads the system. */
export interface LoadOptions {
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** Seconds of warmup (not measured). */
  readonly warmupS: number;
  /** Seconds measured. */
  readonly timeS: number;
}

/** Told when the measured window starts and ends (CPU accounting). */
export interface MeasuredWindow {
  start(): void;
  stop(): void;
}

/** Rejects a run that stalls: no call completed for this long. */
const STALL_MS = 30_000;

/**
 * Keeps `opts.concurrency` calls of `call` in flight for warmup + time.
 * `call(i)` gets a running call number. Rejects with the first failure.
 * `onStart` sees the recorder (progress line); `window` is told when the
 * measured window starts and ends.
 */
export async function closedLoop(call: (i: number) => Promise<unknown>, opts: LoadOptions, onStart?: (r: Recorder) => void, window?: MeasuredWindow): Promise<Recorder> {
  const rec = new Recorder(opts.warmupS, opts.timeS, window);
  onStart?.(rec);
  let next = 0;
  let failure: unknown;
  let stalled!: (err: Error) => void;
  const stalling = new Promise<never>((_, reject) => {
    stalled = reject;
  });
  const stall = watchStall(rec, (err) => stalled(err));
  const worker = async () => {
    while (rec.running && failure === undefined) {
      const t0 = performance.now();
      try {
        await call(next++);
      } catch (err) {
        failure ??= err;
        rec.running = false;
        return;
      }
      rec.record(t0);
    }
  };
  try {
    await Promise.race([Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker)), stalling]);
  } finally {
    clearInterval(stall);
  }
  if (failure !== undefined) {
    throw failure;
  }
  return rec;
}

/** A client that echoes messages: `send()` one, `onReply` is called per reply, in order. */
export interface EchoClient {
  send(): void;
  onReply: () => void;
  close(): void;
}

/**
 * Keeps `opts.concurrency` messages in flight on an echo client for warmup +
 * time; resolves once the replies to what was sent have come back.
 */
export function pipelined(client: EchoClient, opts: LoadOptions, onStart?: (r: Recorder) => void, window?: MeasuredWindow): Promise<Recorder> {
  const rec = new Recorder(opts.warmupS, opts.timeS, window);
  onStart?.(rec);
  // Send times in order; replies come back in order on one stream.
  const sentAt: number[] = [];
  let head = 0;
  let outstanding = 0;
  return new Promise((resolve, reject) => {
    const stall = watchStall(rec, (err) => {
      client.onReply = () => {};
      reject(err);
    });
    const send = () => {
      outstanding++;
      sentAt.push(performance.now());
      client.send();
    };
    client.onReply = () => {
      outstanding--;
      rec.record(sentAt[head++] as number);
      if (head > 4096) {
        sentAt.splice(0, head);
        head = 0;
      }
      if (rec.running) {
        send();
      } else if (outstanding === 0) {
        clearInterval(stall);
        resolve(rec);
      }
    };
    for (let i = 0; i < Math.max(1, opts.concurrency); i++) {
      send();
    }
  });
}

/** Fails the run (through `fail`) when nothing completed for STALL_MS. */
function watchStall(rec: Recorder, fail: (err: Error) => void): NodeJS.Timeout {
  let seen = -1;
  let since = performance.now();
  const timer = setInterval(() => {
    if (rec.completed !== seen) {
      seen = rec.completed;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS) {
      rec.running = false;
      clearInterval(timer);
      fail(new Error(`stalled: no call completed for ${STALL_MS / 1000} s`));
    }
  }, 1000);
  timer.unref();
  return timer;
}
