// The storage service: every method of storage.proto on one replica.
import type { ServerCtx } from "@gorums/runtime";
import { majority, newestRead } from "./aggregate.js";
import type { ReadRequest, WriteRequest } from "./gen/storage/storage_pb.js";
import { readQC, type StorageServer, writeMulticast } from "./gen/storage/storage_gorums.js";
import { type Entry, type ReadResult, StorageReplica } from "./replica.js";

/** How a storage replica serves. */
export interface StorageServiceOptions {
  /** The replica's state (default: a fresh one). */
  replica?: StorageReplica;
  /** Told one line per request handled (default: silent). */
  log?: (line: string) => void;
  /**
   * How many replies a nested read waits for (default: a majority of the
   * replicas connected at the time, `ctx.config()`). A replica that knows
   * its whole group should pass a majority of the group.
   */
  nestedQuorum?: number;
  /** How long a nested read may take (default 2000 ms). */
  nestedTimeoutMs?: number;
  /** How long ReadCorrectable keeps sending newer writes after its first reply (default 1000 ms). */
  correctableWindowMs?: number;
}

/** The default ReadCorrectable window. */
export const CORRECTABLE_WINDOW_MS = 1000;

/**
 * A storage replica: register it with `registerStorageServer(srv, impl)`.
 *
 * - ReadRPC, ReadQC: the replica's value of the key.
 * - WriteRPC, WriteQC, WriteUnicast, WriteMulticast: last writer wins (see
 *   StorageReplica); the two-way ones answer whether the write was new.
 * - ReadCorrectable (streaming): answers at once with what the replica holds,
 *   then with every newer write of the key that arrives within the window.
 *   It releases the stream first, so that the writes that follow on the same
 *   stream (the same client) are served meanwhile.
 * - ReadNestedQC: releases the stream, reads the key from a quorum of its
 *   peers (a nested quorum call over `ctx.config()`, self included) and
 *   answers with the newest value found.
 * - WriteNestedMulticast: releases the stream, multicasts the write to all
 *   its peers (self included) and answers new=true once it is sent.
 *
 * Nested calls need a replica that knows its peers: a symmetric System
 * (`newSymmetricSystem`, `newLocalSystems`); elsewhere they fail.
 */
export function newStorageService(opts: StorageServiceOptions = {}): StorageServer {
  const replica = opts.replica ?? new StorageReplica();
  const log = opts.log ?? (() => {});
  const nestedTimeoutMs = opts.nestedTimeoutMs ?? 2000;
  const windowMs = opts.correctableWindowMs ?? CORRECTABLE_WINDOW_MS;

  const read = (method: string, req: ReadRequest): ReadResult => {
    const r = replica.read(req.key);
    log(`${method} ${quote(req.key)} -> ${r.ok ? quote(r.value) : "not found"}`);
    return r;
  };
  const write = (method: string, req: WriteRequest): { new: boolean } => {
    const r = replica.write(req);
    log(`${method} ${quote(req.key)} = ${quote(req.value)} -> ${r.new ? "stored" : "ignored (not newer)"}`);
    return r;
  };

  /** The peers for a nested call, or a clear error if this replica has none. */
  const peers = (ctx: ServerCtx, method: string) => {
    const config = ctx.config();
    if (config.size === 0) {
      throw new Error(`${method} needs a replica that knows its peers (a symmetric System)`);
    }
    return config;
  };

  return {
    readRPC: (_ctx, req) => read("ReadRPC", req),
    writeRPC: (_ctx, req) => write("WriteRPC", req),
    writeUnicast: (_ctx, req) => void write("WriteUnicast", req),
    writeMulticast: (_ctx, req) => void write("WriteMulticast", req),
    readQC: (_ctx, req) => read("ReadQC", req),
    writeQC: (_ctx, req) => write("WriteQC", req),

    async readCorrectable(ctx, req, send) {
      // Listen before the first reply, so that no write slips in between.
      const updates: Entry[] = [];
      let wake: (() => void) | undefined;
      const unwatch = replica.watch(req.key, (entry) => {
        updates.push(entry);
        wake?.();
      });
      ctx.release();
      try {
        // A bounded streaming handler: it stops when its window closes, when
        // send() says the call is over (the caller has its level, cancelled,
        // or its deadline passed), or when its signal aborts.
        if (!(await send(read("ReadCorrectable", req)))) {
          return;
        }
        const deadline = Date.now() + windowMs;
        for (;;) {
          while (updates.length > 0) {
            const entry = updates.shift() as Entry;
            log(`ReadCorrectable ${quote(req.key)} -> newer write ${quote(entry.value)}`);
            if (!(await send({ ok: true, value: entry.value, time: entry.time }))) {
              return;
            }
          }
          const left = deadline - Date.now();
          if (left <= 0 || ctx.signal.aborted) {
            return;
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, left);
            ctx.signal.addEventListener("abort", done, { once: true });
            wake = done;
            function done() {
              clearTimeout(timer);
              ctx.signal.removeEventListener("abort", done);
              wake = undefined;
              resolve();
            }
          });
        }
      } finally {
        unwatch();
      }
    },

    async readNestedQC(ctx, req) {
      const config = peers(ctx, "ReadNestedQC");
      // A handler that makes calls of its own releases the stream first.
      ctx.release();
      const quorum = opts.nestedQuorum ?? majority(config.size);
      log(`ReadNestedQC ${quote(req.key)}: reading from ${quorum} of ${config.size} replicas`);
      const replies = await readQC(config.context({ signal: ctx.signal, timeoutMs: nestedTimeoutMs }), { key: req.key }).results().collectN(quorum);
      if (replies.size < quorum) {
        throw new Error(`nested read got ${replies.size} of the ${quorum} replies it needs`);
      }
      return newestRead(replies.values()) ?? { ok: false };
    },

    async writeNestedMulticast(ctx, req) {
      const config = peers(ctx, "WriteNestedMulticast");
      ctx.release();
      log(`WriteNestedMulticast ${quote(req.key)} = ${quote(req.value)}: multicasting to ${config.size} replicas`);
      await writeMulticast(config.context({ signal: ctx.signal }), req);
      return { new: true };
    },
  };
}

function quote(s: string): string {
  return `'${s}'`;
}
