/**
 * The storage matrix: every call type, metadata, errors, an unknown method
 * and a deadline, from a client of one language to three System replicas of
 * another (TS → Go and Go → TS; TS → TS and Go → Go as controls that the
 * steps themselves are right). Every step runs through the same JSON
 * commands, so a cell differs from another only in who runs it.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { type Replicas, startClient, startReplicas } from "./helpers/cluster.js";
import { goPeerBuilt, type Lang, type Peer, stopAllPeers } from "./helpers/peers.js";
import { storageCells, unimplemented } from "./helpers/storage-cells.js";

const pairs: Array<[Lang, Lang]> = [
  ["ts", "go"],
  ["go", "ts"],
  ["ts", "ts"],
  ["go", "go"],
];

describe.skipIf(!goPeerBuilt).each(pairs)("%s client → %s replicas", (clientLang, serverLang) => {
  let replicas: Replicas;
  let client: Peer;

  beforeAll(async () => {
    replicas = await startReplicas([serverLang, serverLang, serverLang]);
    client = await startClient(clientLang, replicas.addrs, ["--metadata", "tenant=blue"]);
  }, 60_000);
  afterAll(stopAllPeers);

  storageCells(() => client, { nested: true, unknownMethod: unimplemented });
});
