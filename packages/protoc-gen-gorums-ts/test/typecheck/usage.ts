// User code against the committed samples (TypeScript in test/gen, JavaScript
// + declarations in test/gen-js): the generated signatures must accept and
// reject what DESIGN.md §4 says. Compiled by `tsc -p test/typecheck`.
import type { ConfigContext, NodeContext, Server } from "@gorums/runtime";
import * as js from "../gen-js/gostorage/storage_gorums.js";
import type { ReadResponse } from "../gen/gostorage/storage_pb.js";
import {
  readCorrectable,
  readQC,
  readRPC,
  registerStorageServer,
  type StorageServer,
  writeMulticast,
  writeQC,
  writeUnicast,
} from "../gen/gostorage/storage_gorums.js";
import { registerWatcherServer, watch, type WatcherServer } from "../gen/multi/multi_gorums.js";

declare const cfg: ConfigContext;
declare const node: NodeContext;
declare const srv: Server;

/** Client side: every call type, with init-shape requests. */
export async function client(): Promise<string> {
  const quorum: ReadResponse = await readQC(cfg, { key: "k" }).majority();
  const one: ReadResponse = await readRPC(node, { key: "k" });
  const created: boolean = (await writeQC(cfg, { key: "k", value: "v" }, { ignoreErrors: true }).all()).new;
  const latest: ReadResponse = await readCorrectable(cfg, { key: "k" }).first();
  const none: void = await writeMulticast(cfg, { key: "k" });
  const alsoNone: void = await writeUnicast(node, { key: "k" });
  const fromJs: ReadResponse = await js.readQC(cfg, { key: "k" }).first();
  const streamed = await watch(cfg, { name: "n" }).first();
  // @ts-expect-error a quorum call takes a ConfigContext
  readQC(node, { key: "k" });
  // @ts-expect-error an rpc takes a NodeContext
  readRPC(cfg, { key: "k" });
  // @ts-expect-error requests are typed
  readQC(cfg, { nope: 1 });
  // @ts-expect-error the declarations are typed too
  js.writeMulticast(node, { key: "k" });
  return `${quorum.value}${one.value}${created}${latest.value}${none}${alsoNone}${fromJs.value}${streamed.values.length}`;
}

/** Server side: handlers return init shapes, one-way handlers return nothing, streams send. */
const storage: StorageServer = {
  readRPC: (_ctx, req) => ({ value: req.key }),
  writeRPC: async () => ({ new: true }),
  writeUnicast: () => {},
  writeMulticast: async (ctx) => {
    ctx.release();
  },
  readQC: (_ctx, req) => ({ OK: true, value: req.key }),
  writeQC: () => ({}),
  readNestedQC: async (_ctx, req) => ({ value: req.key }),
  writeNestedMulticast: () => ({ new: false }),
  readCorrectable: async (_ctx, req, send) => {
    await send({ value: req.key });
    await send({ value: `${req.key}!` });
  },
};
registerStorageServer(srv, storage);
js.registerStorageServer(srv, storage);

const watcher: WatcherServer = {
  watch: async (_ctx, req, send) => send({ values: [{ data: req.name }] }),
  ping: (_ctx, req) => req,
};
registerWatcherServer(srv, watcher);

// A partial implementation is accepted (a method left out answers Unimplemented), typed as a whole one.
const partial: Omit<StorageServer, "readQC"> = storage;
registerStorageServer(srv, partial);
registerStorageServer(srv, { readQC: (_ctx, req) => ({ value: req.key }) });
js.registerStorageServer(srv, { writeUnicast: () => {} });
registerStorageServer(srv, {});
// @ts-expect-error the handlers given are typed
registerStorageServer(srv, { readQC: () => {} });
// @ts-expect-error a misspelled method is no method of the service
registerStorageServer(srv, { readQc: () => ({}) });
// @ts-expect-error a two-way handler must return a response
const wrong: StorageServer = { ...storage, readQC: () => {} };
export { wrong };
