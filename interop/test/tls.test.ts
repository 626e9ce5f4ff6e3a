/**
 * The storage matrix over TLS both ways: certificates from a test CA (SAN
 * IP:127.0.0.1), Go's credentials.NewTLS on the Go peer, `tls` options on
 * ours. Replicas dial each other over TLS too (nested calls).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTestCA } from "../../packages/runtime/test/security/certs.js";
import { type Replicas, startClient, startReplicas } from "./helpers/cluster.js";
import { goPeerBuilt, type Lang, type Peer, stopAllPeers } from "./helpers/peers.js";

const pairs: Array<[Lang, Lang]> = [
  ["ts", "go"],
  ["go", "ts"],
];

describe.skipIf(!goPeerBuilt).each(pairs)("over TLS: %s client → %s replicas", (clientLang, serverLang) => {
  let dir: string;
  let replicas: Replicas;
  let client: Peer;

  beforeAll(async () => {
    const ca = newTestCA();
    const leaf = ca.issue("replica", ["IP:127.0.0.1"]);
    dir = mkdtempSync(join(tmpdir(), "gorums-interop-tls-"));
    const file = (name: string, data: Buffer) => {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    };
    const tls = ["--tls-cert", file("replica.crt", leaf.cert), "--tls-key", file("replica.key", leaf.key), "--tls-ca", file("ca.crt", ca.cert)];
    ca.remove();
    replicas = await startReplicas([serverLang, serverLang, serverLang], { extra: () => tls });
    client = await startClient(clientLang, replicas.addrs, ["--tls-ca", join(dir, "ca.crt")]);
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
