/**
 * The storage service of an interop peer, with the test conventions the Go
 * peer implements too (interop/go/README.md): last-writer-wins by timestamp,
 * and special keys that make a handler fail, sleep, or tell what it saw.
 */
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServerCtx } from "@gorums/runtime";
import { readQC, type StorageServer, writeMulticast } from "@gorums/example-storage/gen/storage/storage_gorums";
import type { ReadRequest, ReadResponse, WriteRequest } from "@gorums/example-storage/gen/storage/storage_pb";

interface Entry {
  readonly value: string;
  readonly time: Timestamp | undefined;
}

type ReadReply = { ok: boolean; value: string; time?: Timestamp };

/** How long a nested quorum call may take. */
const NESTED_TIMEOUT_MS = 2000;

/** The pause between the two replies of ReadCorrectable. */
const CORRECTABLE_GAP_MS = 10;

/**
 * The handlers. Special keys, checked first by every read and write:
 * `error:<code>:<message>` fails with that gRPC code and message;
 * `sleep:<ms>` waits (until the call's signal aborts) and then answers
 * (reads: value "slept"); `metadata:<name>` reads answer the value of that
 * metadata entry as the handler sees it; `peer` reads answer the caller's
 * node ID as this server knows it; `count:<method>` reads answer how many
 * requests of that full method name this server handled.
 */
export function storageHandlers(): StorageServer {
  const store = new Map<string, Entry>();
  const calls = new Map<string, number>();

  const special = async (ctx: ServerCtx, key: string): Promise<ReadReply | undefined> => {
    if (key.startsWith("error:")) {
      const rest = key.slice("error:".length);
      const colon = rest.indexOf(":");
      const code = Number(colon < 0 ? rest : rest.slice(0, colon));
      throw new ConnectError(colon < 0 ? "" : rest.slice(colon + 1), code as Code);
    }
    if (key.startsWith("sleep:")) {
      await sleep(Number(key.slice("sleep:".length)), ctx.signal);
      return { ok: true, value: "slept" };
    }
    if (key.startsWith("metadata:")) {
      return { ok: true, value: ctx.metadata.get(key.slice("metadata:".length)) ?? "" };
    }
    if (key === "peer") {
      return { ok: true, value: String(ctx.peer.nodeID) };
    }
    return undefined;
  };

  const read = async (ctx: ServerCtx, req: ReadRequest): Promise<ReadReply> => {
    if (req.key.startsWith("count:")) {
      return { ok: true, value: String(calls.get(req.key.slice("count:".length)) ?? 0) };
    }
    const s = await special(ctx, req.key);
    if (s !== undefined) {
      return s;
    }
    const e = store.get(req.key);
    return e === undefined ? { ok: false, value: "" } : { ok: true, value: e.value, ...(e.time ? { time: e.time } : {}) };
  };

  const write = async (ctx: ServerCtx, req: WriteRequest): Promise<{ new: boolean }> => {
    if ((await special(ctx, req.key)) !== undefined) {
      return { new: false };
    }
    const old = store.get(req.key);
    if (old !== undefined && !newer(req.time, old.time)) {
      return { new: false };
    }
    store.set(req.key, { value: req.value, time: req.time });
    return { new: true };
  };

  const peers = (ctx: ServerCtx) => {
    const config = ctx.config();
    if (config.size === 0) {
      throw new ConnectError("no peers", Code.FailedPrecondition);
    }
    return config;
  };

  return counted(calls, {
    readRPC: read,
    readQC: read,
    writeRPC: write,
    writeQC: write,
    writeUnicast: async (ctx, req) => void (await write(ctx, req)),
    writeMulticast: async (ctx, req) => void (await write(ctx, req)),
    async readCorrectable(ctx, req, send) {
      const first = await read(ctx, req);
      await send(first);
      await sleep(CORRECTABLE_GAP_MS, ctx.signal);
      await send(await read(ctx, req));
    },
    async readNestedQC(ctx, req) {
      ctx.release();
      const config = peers(ctx);
      const replies = await readQC(config.context({ timeoutMs: NESTED_TIMEOUT_MS }), { key: req.key })
        .results()
        .ignoreErrors()
        .collectN(Math.floor(config.size / 2) + 1);
      return newest([...replies.values()]);
    },
    async writeNestedMulticast(ctx, req) {
      ctx.release();
      await writeMulticast(peers(ctx).context({ timeoutMs: NESTED_TIMEOUT_MS }), req);
      return { new: true };
    },
  });
}

/** The handlers, each counting its requests in `calls` by full method name. */
function counted(calls: Map<string, number>, impl: StorageServer): StorageServer {
  const wrapped: Record<string, (ctx: ServerCtx, ...rest: never[]) => unknown> = {};
  for (const [name, fn] of Object.entries(impl) as Array<[string, (ctx: ServerCtx, ...rest: never[]) => unknown]>) {
    wrapped[name] = (ctx, ...rest) => {
      calls.set(ctx.method, (calls.get(ctx.method) ?? 0) + 1);
      return fn(ctx, ...rest);
    };
  }
  return wrapped as unknown as StorageServer;
}

/** The reply with the newest time (the first of equals). */
function newest(replies: ReadResponse[]): ReadReply {
  let best: ReadResponse | undefined;
  for (const r of replies) {
    if (best === undefined || newer(r.time, best.time)) {
      best = r;
    }
  }
  if (best === undefined) {
    return { ok: false, value: "" };
  }
  return { ok: best.ok, value: best.value, ...(best.time ? { time: best.time } : {}) };
}

/** Whether `a` is after `b` (an absent time is the zero time). */
function newer(a: Timestamp | undefined, b: Timestamp | undefined): boolean {
  const as = a?.seconds ?? 0n;
  const bs = b?.seconds ?? 0n;
  return as !== bs ? as > bs : (a?.nanos ?? 0) > (b?.nanos ?? 0);
}

/** Waits `ms`, or until `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
