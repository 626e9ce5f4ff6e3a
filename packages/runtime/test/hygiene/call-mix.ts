/**
 * A seeded mix of every call type with random cancellations, for the
 * resource-hygiene tests: calls run in a window of `concurrency`; each is
 * one of quorum call (majority, all, or read until its first reply and then
 * abandoned), streaming quorum call, rpc, unicast, multicast; and is either
 * left alone (the shared signal, a 10 s deadline), aborted before it is
 * made, aborted by its own AbortController a moment after it starts
 * (microtask, setImmediate or a 0–3 ms timer), or given a 1–4 ms deadline.
 * Every outcome is tallied; an error other than Canceled/DeadlineExceeded
 * (or a QuorumCallError made only of those) is collected as unexpected,
 * and so is any failure of a call that was left alone.
 */
import {
  Code,
  ConnectError,
  type Configuration,
  ErrIncomplete,
  multicastCall,
  QuorumCallError,
  quorumCall,
  quorumCallStream,
  rpcCall,
  type Server,
  type ServerCtx,
  unicastCall,
} from "../../src/index.js";
import { registerTestServiceServer } from "../gen/testsvc/testsvc_gorums.js";
import { type Request, TestService } from "../gen/testsvc/testsvc_pb.js";
import { onAbort } from "../../src/calls/abort-watchers.js";
import { prng } from "../helpers/prng.js";

/**
 * The TestService for the mix: Echo* answer "echo: <value>" with num = id,
 * after `delayMs` (having released the stream first, so a slow server
 * still takes requests in parallel; the wait ends early when the stream
 * does); EchoStream sends two replies at once; Write* do nothing.
 */
export function registerMixService(server: Server, id: number, delayMs = 0): void {
  const echo = async (ctx: ServerCtx, req: Request) => {
    if (delayMs > 0) {
      ctx.release();
      await sleep(delayMs, ctx.signal);
    }
    return { value: `echo: ${req.value}`, num: BigInt(id) };
  };
  registerTestServiceServer(server, {
    echo,
    echoRPC: echo,
    echoQC: echo,
    async echoStream(_ctx, req, send) {
      await send({ value: `echo: ${req.value}-1`, num: 1n });
      await send({ value: `echo: ${req.value}-2`, num: 2n });
    },
    write() {},
    writeUnicast() {},
  });
}

/**
 * Waits `ms`, or less when `signal` aborts; leaves no timer or listener
 * behind. Many handlers sleep at once on one stream's signal: they share
 * one listener (the runtime's onAbort), as calls on one signal do.
 */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      unwatch();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unwatch = onAbort(signal, done);
  });
}

export interface MixResult {
  ok: number;
  canceled: number;
  deadline: number;
  /** Calls left alone (no cancellation of their own). */
  undisturbed: number;
  unexpected: string[];
}

type Cancel = "none" | "pre-aborted" | "microtask" | "immediate" | "timer" | "deadline";

export async function runCallMix(config: Configuration, opts: { calls: number; concurrency: number; seed: number; shared: AbortSignal }): Promise<MixResult> {
  const rand = prng(opts.seed);
  const result: MixResult = { ok: 0, canceled: 0, deadline: 0, undisturbed: 0, unexpected: [] };
  const nodes = config.nodes();
  let next = 0;

  const one = async (i: number): Promise<void> => {
    const c = rand();
    const cancel: Cancel = c < 0.5 ? "none" : c < 0.6 ? "pre-aborted" : c < 0.67 ? "microtask" : c < 0.74 ? "immediate" : c < 0.82 ? "timer" : "deadline";
    let signal = opts.shared;
    let timeoutMs = 10_000;
    if (cancel === "deadline") {
      timeoutMs = 1 + Math.floor(rand() * 4);
    } else if (cancel !== "none") {
      const ac = new AbortController();
      signal = ac.signal;
      if (cancel === "pre-aborted") {
        ac.abort();
      } else if (cancel === "microtask") {
        queueMicrotask(() => ac.abort());
      } else if (cancel === "immediate") {
        setImmediate(() => ac.abort());
      } else {
        setTimeout(() => ac.abort(), Math.floor(rand() * 4));
      }
    }
    const ctx = config.context({ signal, timeoutMs });
    const node = nodes[Math.floor(rand() * nodes.length)];
    if (node === undefined) {
      throw new Error("empty configuration");
    }
    const nctx = node.context({ signal, timeoutMs });
    const req = { value: `v${i}`, num: BigInt(i) };
    const k = rand();
    const kind = k < 0.35 ? "majority" : k < 0.45 ? "all" : k < 0.55 ? "abandoned" : k < 0.6 ? "stream" : k < 0.82 ? "rpc" : k < 0.9 ? "unicast" : "multicast";
    try {
      if (k < 0.35) {
        await quorumCall(ctx, TestService.method.echoQC, req).majority();
      } else if (k < 0.45) {
        await quorumCall(ctx, TestService.method.echoQC, req).all();
      } else if (k < 0.55) {
        // Read one reply, then walk away: the rest of the call must be cleaned up.
        for await (const r of quorumCall(ctx, TestService.method.echoQC, req).results()) {
          void r;
          break;
        }
      } else if (k < 0.6) {
        await quorumCallStream(ctx, TestService.method.echoStream, req).first();
      } else if (k < 0.82) {
        await rpcCall(nctx, TestService.method.echoRPC, req);
      } else if (k < 0.9) {
        await unicastCall(nctx, TestService.method.writeUnicast, req);
      } else {
        await multicastCall(ctx, TestService.method.write, req);
      }
      result.ok++;
    } catch (err) {
      // A streaming call has no end of its own: cut short by its signal or
      // deadline before a reply, it is incomplete with no node errors (as in Go).
      const code = kind === "stream" && cancel !== "none" && isBareIncomplete(err) ? Code.Canceled : codeOf(err);
      if (code === Code.Canceled) {
        result.canceled++;
      } else if (code === Code.DeadlineExceeded) {
        result.deadline++;
      } else {
        result.unexpected.push(`call ${i} (${kind}, ${cancel}): ${String(err)}`);
      }
      if (cancel === "none") {
        result.unexpected.push(`call ${i} (${kind}) was left alone but failed: ${String(err)}`);
      }
    }
    if (cancel === "none") {
      result.undisturbed++;
    }
  };

  const worker = async () => {
    while (next < opts.calls) {
      await one(next++);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return result;
}

/** Canceled or DeadlineExceeded for a ConnectError, or a QuorumCallError whose node errors all have that one code. */
function codeOf(err: unknown): Code | undefined {
  if (err instanceof QuorumCallError) {
    const codes = new Set(err.nodeErrors.map((e) => (e.error instanceof ConnectError ? e.error.code : undefined)));
    return codes.size === 1 ? [...codes][0] : undefined;
  }
  return err instanceof ConnectError ? err.code : undefined;
}

function isBareIncomplete(err: unknown): boolean {
  return err instanceof QuorumCallError && err.cause === ErrIncomplete && err.nodeErrors.length === 0;
}

/** How many timers (setTimeout/setInterval) are active in this process. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}
