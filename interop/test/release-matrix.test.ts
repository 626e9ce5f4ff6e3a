/**
 * The storage matrix with the real Go Gorums v0.11.0 release (the one the Go
 * module proxy serves; interop/go-release builds a peer on it with the stubs
 * its own protoc-gen-gorums generated): our client with `wire: "ordering"`
 * against three of its servers, its client against three of our System
 * replicas (which serve its wire beside the current one), and its client
 * against its servers as the control that the steps are right on its side.
 * The cells are the storage matrix's (helpers/storage-cells.ts); what the
 * release does differently is stated where a cell checks it.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requiredGorumsVersion } from "../../packages/runtime/bench/go-gorums.js";
import { startClient, startReplicas, startServer } from "./helpers/cluster.js";
import { goReleasePeerBuilt, type Lang, type Peer, stopAllPeers } from "./helpers/peers.js";
import { storageCells, unimplemented } from "./helpers/storage-cells.js";
import type { Result } from "../src/protocol.js";

if (!goReleasePeerBuilt) {
  const msg = "interop: the peer on the Go Gorums v0.11.0 release (interop/go-release/bin) is not built (is `go` on PATH?)";
  if (process.env.CI === "true") {
    throw new Error(msg);
  }
  console.warn(`\n*** ${msg}; SKIPPING the release matrix ***\n`);
}

/**
 * The release's server on a method its Go proto registry lacks: its codec
 * cannot decode the request, so grpc-go ends the whole stream with INTERNAL.
 */
function releaseStreamEnds(r: Extract<Result, { ok: false }>): void {
  expect(r.code).toBe(13);
  expect(r.message).toContain("could not find method descriptor for proto.Storage.NoSuchMethod");
}

const pairs: Array<[Lang, Lang]> = [
  ["ts", "go-release"],
  ["go-release", "ts"],
  ["go-release", "go-release"],
];

describe.skipIf(!goReleasePeerBuilt).each(pairs)("%s client → %s servers", (clientLang, serverLang) => {
  let client: Peer;

  beforeAll(async () => {
    let addrs: Map<number, string>;
    if (serverLang === "ts") {
      addrs = (await startReplicas(["ts", "ts", "ts"])).addrs;
    } else {
      const servers = await Promise.all([1, 2, 3].map(() => startServer(serverLang)));
      addrs = new Map(servers.map((s, i) => [i + 1, s.addr]));
    }
    const wire = clientLang === "ts" ? ["--wire", "ordering"] : [];
    client = await startClient(clientLang, addrs, ["--metadata", "tenant=blue", ...wire]);
  }, 60_000);
  afterAll(stopAllPeers);

  storageCells(() => client, {
    // Our replicas call each other from their handlers; the release's plain servers have no peers.
    nested: serverLang === "ts",
    unknownMethod: serverLang === "ts" && clientLang === "ts" ? unimplemented : releaseStreamEnds,
  });
});

describe("the Go Gorums release", () => {
  it("is the same version here as in bench:go (interop/go-release and packages/runtime/bench/go-release)", () => {
    const pinned = (path: string) => requiredGorumsVersion(readFileSync(new URL(path, import.meta.url), "utf8"));
    const here = pinned("../go-release/go.mod");
    expect(here).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(pinned("../../packages/runtime/bench/go-release/go.mod")).toBe(here);
  });
});
