/**
 * The storage matrix over TLS both ways: certificates from a test CA (SAN
 * IP:127.0.0.1), Go's credentials.NewTLS on the Go peer, `tls` options on
 * ours. Replicas dial each other over TLS too (nested calls). The same with
 * the Go Gorums v0.11.0 release's peer (grpc-go's TLS credentials through
 * its manager and server options), on its wire.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTestCA } from "../../packages/runtime/test/security/certs.js";
import { type Replicas, startClient, startReplicas, startServer } from "./helpers/cluster.js";
import { goPeerBuilt, goReleasePeerBuilt, type Lang, type Peer, stopAllPeers } from "./helpers/peers.js";

/** A test CA's certificate and a leaf for 127.0.0.1, as files in a new directory. */
function tlsFiles(): { dir: string; cert: string; key: string; ca: string } {
  const ca = newTestCA();
  const leaf = ca.issue("replica", ["IP:127.0.0.1"]);
  const dir = mkdtempSync(join(tmpdir(), "gorums-interop-tls-"));
  const file = (name: string, data: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
  const files = { dir, cert: file("replica.crt", leaf.cert), key: file("replica.key", leaf.key), ca: file("ca.crt", ca.cert) };
  ca.remove();
  return files;
}

const pairs: Array<[Lang, Lang]> = [
  ["ts", "go"],
  ["go", "ts"],
];

describe.skipIf(!goPeerBuilt).each(pairs)("over TLS: %s client → %s replicas", (clientLang, serverLang) => {
  let dir: string;
  let replicas: Replicas;
  let client: Peer;

  beforeAll(async () => {
    const files = tlsFiles();
    dir = files.dir;
    const tls = ["--tls-cert", files.cert, "--tls-key", files.key, "--tls-ca", files.ca];
    replicas = await startReplicas([serverLang, serverLang, serverLang], { extra: () => tls });
    client = await startClient(clientLang, replicas.addrs, ["--tls-ca", files.ca]);
  }, 60_000);
  afterAll(async () => {
    await stopAllPeers();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rpc, quorum call, correctable and nested quorum call", async () => {
    expect((await client.ok({ op: "writeQC", key: "t", value: "secret", ts: 1, quorum: "all" })).reply).toEqual({ new: true });
    expect((await client.ok({ op: "readRPC", node: 2, key: "t" })).reply).toEqual({ ok: true, value: "secret", ts: 1 });
    expect((await client.ok({ op: "readCorrectable", key: "t", level: 6, timeoutMs: 3000 })).level).toBe(6);
    expect((await client.ok({ op: "readNestedQC", key: "t", quorum: "all" })).reply?.value).toBe("secret");
  });

  it("a plaintext client gets no answer from a TLS replica", async () => {
    const plain = await startClient(clientLang, replicas.addrs);
    const r = await plain.run({ op: "readRPC", node: 1, key: "t", timeoutMs: 1500 });
    expect(r.ok).toBe(false);
  });
});

const releasePairs: Array<[Lang, Lang]> = [
  ["ts", "go-release"],
  ["go-release", "ts"],
];

describe.skipIf(!goReleasePeerBuilt).each(releasePairs)("over TLS with the Go Gorums v0.11.0 release: %s client → %s servers", (clientLang, serverLang) => {
  let dir: string;
  let addrs: Map<number, string>;
  let client: Peer;
  const wire = clientLang === "ts" ? ["--wire", "ordering"] : [];

  beforeAll(async () => {
    const files = tlsFiles();
    dir = files.dir;
    if (serverLang === "ts") {
      addrs = (await startReplicas(["ts", "ts", "ts"], { extra: () => ["--tls-cert", files.cert, "--tls-key", files.key, "--tls-ca", files.ca] })).addrs;
    } else {
      const servers = await Promise.all([1, 2, 3].map(() => startServer(serverLang, ["--tls-cert", files.cert, "--tls-key", files.key])));
      addrs = new Map(servers.map((s, i) => [i + 1, s.addr]));
    }
    client = await startClient(clientLang, addrs, ["--tls-ca", files.ca, ...wire]);
  }, 60_000);
  afterAll(async () => {
    await stopAllPeers();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rpc, quorum call and correctable", async () => {
    expect((await client.ok({ op: "writeQC", key: "t", value: "secret", ts: 1, quorum: "all" })).reply).toEqual({ new: true });
    expect((await client.ok({ op: "readRPC", node: 2, key: "t" })).reply).toEqual({ ok: true, value: "secret", ts: 1 });
    expect((await client.ok({ op: "readCorrectable", key: "t", level: 6, timeoutMs: 3000 })).level).toBe(6);
  });

  it("a plaintext client gets no answer from a TLS server", async () => {
    const plain = await startClient(clientLang, addrs, wire);
    const r = await plain.run({ op: "readRPC", node: 1, key: "t", timeoutMs: 1500 });
    expect(r.ok).toBe(false);
  });
});
