import { Server, twoWayHandler, oneWayHandler } from "@gorums/runtime";
import { Storage } from "./gen/storage/storage_pb.js";
import { StorageReplica } from "./storage-replica.js";

/** A storage replica serving the Storage methods that need no peers. */
export function newStorageServer(replica = new StorageReplica()): Server {
  const server = new Server();
  server.registerHandler("storage.Storage.ReadRPC", twoWayHandler(Storage.method.readRPC, (_ctx, req) => replica.read(req)));
  server.registerHandler("storage.Storage.WriteRPC", twoWayHandler(Storage.method.writeRPC, (_ctx, req) => replica.write(req)));
  server.registerHandler("storage.Storage.ReadQC", twoWayHandler(Storage.method.readQC, (_ctx, req) => replica.read(req)));
  server.registerHandler("storage.Storage.WriteQC", twoWayHandler(Storage.method.writeQC, (_ctx, req) => replica.write(req)));
  server.registerHandler("storage.Storage.WriteUnicast", oneWayHandler(Storage.method.writeUnicast, (_ctx, req) => void replica.write(req)));
  server.registerHandler("storage.Storage.WriteMulticast", oneWayHandler(Storage.method.writeMulticast, (_ctx, req) => void replica.write(req)));
  return server;
}
