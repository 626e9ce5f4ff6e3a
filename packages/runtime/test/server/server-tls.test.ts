/**
 * TLS on both sides (Go behavior 85; issue 2 item 8), with a self-signed
 * certificate for IP 127.0.0.1 made by `openssl` in beforeAll:
 * `new Server({ tls: { key, cert } })` and `newConfig(list, { tls: { ca } })`
 * complete quorum calls and rpcs; a client without the CA, and a plaintext
 * client, fail with Unavailable (as in Go) instead of hanging; mutual TLS
 * (requestCert) admits a client with a certificate and refuses one without.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuorumCallError, type SecureServerOptions, Server, newConfig, quorumCall, rpcCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { registerTestService, cleanup } from "../helpers/test-servers.js";
import { rejection } from "../helpers/rejection.js";

interface KeyPair {
  key: Buffer;
  cert: Buffer;
}

let dir: string;
let serverPair: KeyPair;
let clientPair: KeyPair;

/** A self-signed P-256 certificate valid for one day. */
function makeCert(name: string, subjectAltName: string): KeyPair {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
     "-keyout", key, "-out", cert, "-subj", `/CN=${name}`, "-addext", `subjectAltName=${subjectAltName}`],
    { stdio: "pipe" },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gorums-tls-"));
  serverPair = makeCert("127.0.0.1", "IP:127.0.0.1");
  clientPair = makeCert("client", "DNS:client");
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS", () => {

  async function startTLSServers(n: number, tls: SecureServerOptions) {
    const addrs: string[] = [];
    for (let i = 0; i < n; i++) {
      const server = new Server({ tls });
      registerTestService(server, { writes: [], nums: [], delayMs: 0, streamReplies: 1 }, i + 1);
      cleanup(() => server.stop());
      addrs.push(await server.listen("127.0.0.1:0"));
    }
    return addrs;
  }

  it("a quorum call and an rpc succeed with the server's certificate as CA", async () => {
    const addrs = await startTLSServers(3, { key: serverPair.key, cert: serverPair.cert });
    const config = newConfig(withNodeList(addrs), { tls: { ca: serverPair.cert } });
    cleanup(() => config.close());
    const reply = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "secure" }).majority();
    expect(reply.value).toBe("echo: secure");
    const all = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "all" }).results().collectAll();
    expect([...all.keys()].sort()).toEqual([1, 2, 3]);
    expect((await rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "r" })).value).toBe("echo: r");
  });

  it("a client without the CA fails with an error naming the certificate, not a hang", async () => {
    const addrs = await startTLSServers(1, { key: serverPair.key, cert: serverPair.cert });
    const config = newConfig(withNodeList(addrs), { tls: {}, backoff: { initialMs: 50, maxMs: 200 } });
    cleanup(() => config.close());
    const err = await rejection(rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).not.toBe(Code.DeadlineExceeded);
    expect((err as ConnectError).rawMessage).toMatch(/certificate/);
    const qcErr = await rejection(quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x" }).majority());
    expect(qcErr).toBeInstanceOf(QuorumCallError);
    expect((qcErr as QuorumCallError).nodeErrors[0]?.error).toBeInstanceOf(ConnectError);
  });

  // A failed TLS handshake is a connection failure: Unavailable, as in Go.
  it("a client without the CA fails with Unavailable", async () => {
    const addrs = await startTLSServers(1, { key: serverPair.key, cert: serverPair.cert });
    const config = newConfig(withNodeList(addrs), { tls: {}, backoff: { initialMs: 50, maxMs: 200 } });
    cleanup(() => config.close());
    const err = await rejection(rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }));
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });

  it("a plaintext client of a TLS server fails with an error, not a hang", async () => {
    const addrs = await startTLSServers(1, { key: serverPair.key, cert: serverPair.cert });
    const config = newConfig(withNodeList(addrs), { backoff: { initialMs: 50, maxMs: 200 } });
    cleanup(() => config.close());
    const err = await rejection(rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).not.toBe(Code.DeadlineExceeded);
  });

  // The TLS server resets the plaintext stream: the node is unavailable (the caller canceled nothing).
  it("a plaintext client of a TLS server fails with Unavailable", async () => {
    const addrs = await startTLSServers(1, { key: serverPair.key, cert: serverPair.cert });
    const config = newConfig(withNodeList(addrs), { backoff: { initialMs: 50, maxMs: 200 } });
    cleanup(() => config.close());
    const err = await rejection(rpcCall(config.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }));
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });

  it("mutual TLS: a client certificate is required and accepted", async () => {
    const addrs = await startTLSServers(1, {
      key: serverPair.key,
      cert: serverPair.cert,
      ca: clientPair.cert,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const withCert = newConfig(withNodeList(addrs), { tls: { ca: serverPair.cert, key: clientPair.key, cert: clientPair.cert } });
    const withoutCert = newConfig(withNodeList(addrs), { tls: { ca: serverPair.cert }, backoff: { initialMs: 50, maxMs: 200 } });
    cleanup(() => withCert.close());
    cleanup(() => withoutCert.close());
    expect((await rpcCall(withCert.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "m" })).value).toBe("echo: m");
    const err = await rejection(rpcCall(withoutCert.nodes()[0]!.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" }));
    expect(err).toBeInstanceOf(ConnectError);
  });
});
