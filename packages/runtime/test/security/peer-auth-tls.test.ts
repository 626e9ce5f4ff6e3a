/**
 * Mutual-TLS peer authentication (issue 7 item 4, `peerAuth: { mode:
 * "tls-identity" }`; docs/security.md), with a CA and certificates made by
 * `openssl`, on real replicas on 127.0.0.1, dialing in both protocols (gRPC
 * on our node:http2 stream, Connect on connect-node, served by connect-node):
 * - replicas whose certificates name their IDs (SAN URI gorums:node:<id>),
 *   or only their host (SAN IP), connect and run quorum calls both ways;
 * - a stream claiming replica 2 with a CA-signed certificate that names
 *   another node or another host is refused with UNAUTHENTICATED, never
 *   enters inboundConfig(), and replica 2's stream stays;
 * - no client certificate, or one from another CA: the handshake fails, no
 *   stream is ever adopted;
 * - client peers and plain clients with a CA-signed certificate are let in;
 * - a dialing System checks that the server it reaches names the peer;
 * - the SAN matching itself (a crafted URI with commas, DNS wildcards, CN
 *   never counts), configuration errors, and that without peerAuth a TLS
 *   server still trusts the identity headers alone (Go behavior 72).
 */
import { X509Certificate } from "node:crypto";
import type { PeerCertificate } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  certificateNamesPeer,
  Code,
  ConnectError,
  type Configuration,
  type GorumsWire,
  InboundManager,
  type ManagerOptions,
  newConfig,
  newSymmetricSystem,
  quorumCall,
  rpcCall,
  Server,
  type System,
  type SystemOptions,
  twoWayHandler,
  withNodes,
} from "../../src/index.js";
import { certificateNodeIDs, subjectAltNames } from "../../src/symmetric/peer-auth.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { registerTestService, cleanup } from "../helpers/test-servers.js";
import { establishedConnectionsTo } from "../helpers/tcp-connections.js";
import { newState, portOf, type Replicas, startReplicas } from "../symmetric/helpers.js";
import { openRawStream } from "../helpers/raw-stream.js";
import { type KeyPair, newTestCA, type TestCA } from "./certs.js";
import { sleep, waitUntil } from "../helpers/wait.js";
import { rejection } from "../helpers/rejection.js";
import { expectUndisturbed } from "./undisturbed-replica.js";

type Protocol = NonNullable<ManagerOptions["protocol"]>;

let ca: TestCA;
let otherCA: TestCA;
/** Certificates naming node IDs only (no IP: the default hostname check would fail them). */
const byID = new Map<number, KeyPair>();
/** Certificates naming host 127.0.0.1 only. */
let byHost: KeyPair;
let elsewhereDNS: KeyPair;
let elsewhereIP: KeyPair;
let foreign: KeyPair;

beforeAll(() => {
  ca = newTestCA();
  otherCA = newTestCA("other-ca");
  for (const id of [1, 2, 3, 9]) {
    byID.set(id, ca.issue(`node${id}`, [`URI:gorums:node:${id}`]));
  }
  byHost = ca.issue("host", ["IP:127.0.0.1"]);
  elsewhereDNS = ca.issue("elsewhere", ["DNS:elsewhere.example"]);
  elsewhereIP = ca.issue("elsewhere-ip", ["IP:127.0.0.2"]);
  foreign = otherCA.issue("foreign", ["URI:gorums:node:2", "IP:127.0.0.1"]);
});

afterAll(() => {
  ca?.remove();
  otherCA?.remove();
});

function pair(id: number): KeyPair {
  return byID.get(id) as KeyPair;
}

/** A System's options for tls-identity with this key pair. */
function tlsIdentity(kp: KeyPair, protocol: Protocol = "grpc"): SystemOptions {
  const tls = { key: kp.key, cert: kp.cert, ca: ca.cert };
  return { server: { tls }, dial: { tls, protocol }, peerAuth: { mode: "tls-identity" } };
}

function x509(kp: KeyPair): PeerCertificate {
  const x = new X509Certificate(kp.cert);
  return { raw: x.raw, subjectaltname: x.subjectAltName } as unknown as PeerCertificate;
}

describe("certificate names", () => {
  it("a certificate with gorums:node URIs is bound to those IDs, whatever its hosts", () => {
    const both = ca.issue("both", ["URI:gorums:node:2", "IP:127.0.0.1"]);
    expect(certificateNodeIDs(x509(both))).toEqual([2]);
    expect(certificateNamesPeer(x509(both), 2, "127.0.0.1:9002")).toBe(true);
    expect(certificateNamesPeer(x509(both), 3, "127.0.0.1:9003")).toBe(false);
    expect(certificateNamesPeer(x509(pair(2)), 2, "10.0.0.9:9002")).toBe(true);
  });

  it("without node IDs, the host of the known address must be a SAN IP or DNS entry (wildcards allowed, CN never)", () => {
    expect(certificateNamesPeer(x509(byHost), 2, "127.0.0.1:9002")).toBe(true);
    expect(certificateNamesPeer(x509(byHost), 2, "127.0.0.2:9002")).toBe(false);
    const dns = ca.issue("dns", ["DNS:*.replicas.example", "IP:::1"]);
    expect(certificateNamesPeer(x509(dns), 4, "r4.replicas.example:9004")).toBe(true);
    expect(certificateNamesPeer(x509(dns), 4, "r4.other.example:9004")).toBe(false);
    expect(certificateNamesPeer(x509(dns), 4, "[::1]:9004")).toBe(true);
    // The leaf's CN is "elsewhere"; only its SAN counts.
    expect(certificateNamesPeer(x509(elsewhereDNS), 2, "elsewhere:9002")).toBe(false);
    expect(certificateNamesPeer(x509(elsewhereDNS), 2, "elsewhere.example:9002")).toBe(true);
  });

  it("a SAN value with commas cannot pose as further entries", () => {
    const crafted = ca.issue("crafted", ["URI:x, URI:gorums:node:3, DNS:y"]);
    const cert = x509(crafted);
    expect(cert.subjectaltname).toContain("gorums:node:3");
    expect(subjectAltNames(cert.subjectaltname)).toEqual([{ type: "URI", value: "x, URI:gorums:node:3, DNS:y" }]);
    expect(certificateNodeIDs(cert)).toEqual([]);
    expect(certificateNamesPeer(cert, 3, "127.0.0.2:9003")).toBe(false);
    expect(subjectAltNames("DNS:a, IP Address:127.0.0.1, URI:gorums:node:7")).toEqual([
      { type: "DNS", value: "a" },
      { type: "IP Address", value: "127.0.0.1" },
      { type: "URI", value: "gorums:node:7" },
    ]);
  });

  it("tls-identity without both TLS settings fails before listening", async () => {
    const tls = { key: byHost.key, cert: byHost.cert, ca: ca.cert };
    await expect(newSymmetricSystem("127.0.0.1:0", 1, withNodes({ 1: "127.0.0.1:1" }), { peerAuth: { mode: "tls-identity" } })).rejects.toThrow(/server\.tls and dial\.tls/);
    await expect(newSymmetricSystem("127.0.0.1:0", 1, withNodes({ 1: "127.0.0.1:1" }), { server: { tls }, peerAuth: { mode: "tls-identity" } })).rejects.toThrow(/dial\.tls/);
  });
});

describe.each<Protocol>(["grpc", "connect"])("replicas with peerAuth tls-identity (protocol: %s)", (protocol) => {
  let mesh: Replicas | undefined;

  async function connected(n: number, keyPair: (id: number) => KeyPair = pair): Promise<System[]> {
    mesh = await startReplicas(n, (id) => tlsIdentity(keyPair(id), protocol));
    const systems = mesh.replicas.map((r) => r.system);
    await Promise.all(systems.map((s) => s.waitForConfig((c) => c.size === n, { signal: AbortSignal.timeout(8000) })));
    // Settled: the tiebreak has left one connection per pair.
    await waitUntil(() => establishedConnectionsTo(systems.map((s) => portOf(s.addr))) === (n * (n - 1)) / 2, "one connection per pair", 8000);
    return systems;
  }

  /** A plain client with this certificate (or none) and these headers, trusting any server certificate of the CA. */
  function client(addr: string, kp: KeyPair | undefined, opts: ManagerOptions = {}, trust: Buffer = ca.cert): Configuration {
    const config = newConfig(withNodes({ 1: addr }), {
      ...opts,
      tls: { ca: trust, ...(kp !== undefined ? { key: kp.key, cert: kp.cert } : {}), checkServerIdentity: () => undefined },
      backoff: { initialMs: 50, maxMs: 200 },
    });
    cleanup(() => config.close());
    return config;
  }

  function echo(config: Configuration, value: string): Promise<string> {
    const node = config.node(1) as NonNullable<ReturnType<Configuration["node"]>>;
    return rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value }).then((r) => r.value);
  }

  it("replicas whose certificates name their IDs connect and run quorum calls both ways", async () => {
    const systems = await connected(3);
    for (const s of systems) {
      const replies = await quorumCall(s.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x" }).results().collectAll();
      expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
    }
  });

  it("replicas whose certificates name only their host connect", async () => {
    const systems = await connected(2, () => byHost);
    expect(systems.map((s) => s.inboundConfig().nodeIDs())).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it("a claim of replica 2 with a certificate naming another node or host is refused with UNAUTHENTICATED; replica 2's stream stays", async () => {
    const [r1, r2] = (await connected(2)) as [System, System];
    const before = r1.inboundConfig();
    const claims: Array<Record<string, string>> = [{ "gorums-addr": r2.addr, "gorums-node-id": "2" }, { "gorums-addr": r2.addr }, { "gorums-node-id": "2" }];
    for (const kp of [pair(9), pair(1), elsewhereDNS, elsewhereIP]) {
      for (const metadata of claims) {
        const err = await rejection(echo(client(r1.addr, kp, { metadata }), "evil"));
        expect(err).toBeInstanceOf(ConnectError);
        expect((err as ConnectError).code).toBe(Code.Unauthenticated);
        expect((err as ConnectError).rawMessage).toMatch(/names neither gorums:node:2 nor the host of 127\.0\.0\.1:\d+, yet the stream claims node 2/);
      }
    }
    await expectUndisturbed(r1, mesh?.replicas[0]?.state.nums, before);
    // Replica 2's own certificate does let a stream claim replica 2 (the check is not refusing everything).
    expect(await echo(client(r1.addr, pair(2), { metadata: { "gorums-node-id": "2" } }), "me")).toBe("echo: me");
  });

  it("without a client certificate, or with one of another CA, the handshake fails and no stream is adopted", async () => {
    const [r1] = (await connected(1)) as [System];
    const before = r1.inboundConfig();
    for (const kp of [undefined, foreign]) {
      const err = await rejection(echo(client(r1.addr, kp, { metadata: { "gorums-node-id": "0" } }), "evil"));
      expect(err).toBeInstanceOf(ConnectError);
    }
    expect(mesh?.replicas[0]?.state.nums).toEqual([]);
    expect(r1.inboundConfig()).toBe(before);
    expect(r1.clientConfig().size).toBe(0);
  });

  it("client peers and plain clients with a CA-signed certificate are let in", async () => {
    const [r1] = (await connected(1)) as [System];
    const callback = new Server();
    cleanup(() => callback.stop());
    const peer = client(r1.addr, pair(9), { server: callback });
    expect(await echo(peer, "peer")).toBe("echo: peer");
    expect(r1.clientConfig().size).toBe(1);
    expect(await echo(client(r1.addr, elsewhereDNS), "plain")).toBe("echo: plain");
    expect(r1.clientConfig().size).toBe(1);
  });

  it("a dialing replica refuses a peer whose server certificate names another node", async () => {
    // Replica 2 holds node 3's certificate: replica 1 will not talk to it, nor it to replica 1.
    mesh = await startReplicas(2, (id) => tlsIdentity(id === 2 ? pair(3) : pair(id), protocol));
    const [r1, r2] = mesh.replicas.map((r) => r.system) as [System, System];
    await waitUntil(() => /does not name node 2/.test(r1.inboundManager.node(2)?.lastError?.rawMessage ?? ""), "replica 1's refusal of replica 2's server", 8000);
    await waitUntil(() => r2.inboundManager.node(1)?.lastError?.code === Code.Unauthenticated, "replica 1 refusing replica 2's stream", 8000);
    await sleep(300);
    expect(r1.inboundConfig().nodeIDs()).toEqual([1]);
    if (protocol === "grpc") {
      expect(r2.inboundConfig().nodeIDs()).toEqual([2]);
    } else {
      // connect-node's server (Connect protocol) answers replica 2's stream with response
      // headers and its handler's refusal about 10 ms later: replica 2
      // counts the stream it dialed as open for that long, at each of its
      // redials (seen on every Node version; the test sampling such a
      // window failed now and then). It never stays.
      await waitUntil(() => r2.inboundConfig().nodeIDs().join() === "2", "replica 2 alone in its inbound configuration", 2000);
    }
  });
});

describe("tls-identity without verified client certificates", () => {

  it("an InboundManager with tls-identity behind a plaintext server refuses every stream with UNAUTHENTICATED", async () => {
    const manager = new InboundManager(1, withNodes({ 1: "127.0.0.1:1", 2: "127.0.0.1:2" }), { peerAuth: { mode: "tls-identity" } });
    const server = new Server({ inboundManager: manager });
    registerTestService(server, newState(), 1);
    cleanup(() => server.stop());
    const addr = await server.listen("127.0.0.1:0");
    for (const headers of [{ "gorums-node-id": "2" }, { "gorums-node-id": "0" }, {}] as Array<Record<string, string>>) {
      const s = openRawStream(addr, { headers });
      cleanup(() => s.close());
      const err = await s.done.then(
        () => new Error("accepted"),
        (e: unknown) => e,
      );
      expect((err as ConnectError).code).toBe(Code.Unauthenticated);
      expect((err as ConnectError).rawMessage).toMatch(/no verified client certificate/);
    }
    expect(manager.inboundConfig().nodeIDs()).toEqual([1]);
    expect(manager.clientConfig().size).toBe(0);
  });

  it.each<[GorumsWire, number, string]>([
    ["stream", 2, "a certificate-less client claiming replica 2 is taken for it"],
    ["ordering", 0, "on the Go Gorums v0.11.0 wire the same claim is set aside: an external client (0)"],
  ])("without peerAuth, a TLS replica trusts the identity headers alone (wire %s): %s", async (wire, servedAs) => {
    const tls = { key: byHost.key, cert: byHost.cert, ca: ca.cert };
    const seen: number[] = [];
    const mesh = await startReplicas(
      2,
      () => ({ server: { tls }, dial: { tls } }),
      (r) =>
        r.system.server.registerHandler(
          "testsvc.TestService.EchoRPC",
          twoWayHandler(TestService.method.echoRPC, (ctx, req) => {
            seen.push(ctx.peer.nodeID);
            return { value: `echo: ${req.value}` };
          }),
        ),
    );
    cleanup(() => mesh.stopAll());
    const [r1, r2] = mesh.replicas.map((r) => r.system) as [System, System];
    await r1.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(8000) });
    const impostor = newConfig(withNodes({ 1: r1.addr }), { tls: { ca: ca.cert }, metadata: { "gorums-node-id": "2", "gorums-addr": r2.addr }, wire });
    cleanup(() => impostor.close());
    const node = impostor.node(1) as NonNullable<ReturnType<Configuration["node"]>>;
    expect((await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "x" })).value).toBe("echo: x");
    // On the current wire served as replica 2 (a known peer's ID), not as an anonymous client (0).
    expect(seen).toEqual([servedAs]);
    expect(r1.inboundConfig().nodeIDs()).toEqual([1, 2]);
  });
});
