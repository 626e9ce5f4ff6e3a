/**
 * Shared-secret peer authentication (issue 7 item 4, `peerAuth: { mode:
 * "hmac", secret }`; docs/security.md): the `gorums-auth` token — its
 * format, MAC over the stream's own identity headers, constant-time check
 * and timestamp skew — and, on real replicas on 127.0.0.1, that replicas
 * with the secret connect, while a stream with no token, a malformed one,
 * one made with another secret, one made for another identity, or a stale
 * one is refused with UNAUTHENTICATED, never enters inboundConfig() or
 * clientConfig(), and leaves the real peer's stream alone. A plain client
 * gets in with `hmacStreamAuth`, and a reconnection long after the skew
 * window carries a fresh token. Without peerAuth, tokens are neither needed
 * nor looked at (Go Gorums trusts a bare gorums-node-id: behavior 72).
 */
import { describe, expect, it } from "vitest";
import {
  AUTH_HEADER,
  Code,
  ConnectError,
  type Configuration,
  hmacStreamAuth,
  hmacToken,
  InboundManager,
  newConfig,
  newSystem,
  quorumCall,
  rpcCall,
  Server,
  type System,
  withNodes,
} from "../../src/index.js";
import { verifyHmacToken } from "../../src/symmetric/peer-auth.js";
import { RequestSchema, TestService } from "../gen/testsvc/testsvc_pb.js";
import { registerTestService, cleanup } from "../helpers/test-servers.js";
import { establishedConnectionsTo } from "../helpers/tcp-connections.js";
import { newState, portOf, type Replicas, startReplicas } from "../symmetric/helpers.js";
import { payloadOf, refusal, testRawStream } from "../helpers/raw-stream.js";
import { sleep, waitUntil } from "../helpers/wait.js";
import { expectUndisturbed } from "./undisturbed-replica.js";

const SECRET = "correct horse battery staple, 32+ bytes of it";
const auth = { mode: "hmac", secret: SECRET } as const;

function h(init: Record<string, string>): Headers {
  return new Headers(init);
}

/** The Unauthenticated error `f` throws; fails the test otherwise. */
function unauthenticated(f: () => void): ConnectError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
    return err as ConnectError;
  }
  throw new Error("accepted");
}

describe("gorums-auth tokens", () => {
  const now = 1_700_000_000_000;
  const claim = { "gorums-node-id": "2", "gorums-addr": "127.0.0.1:9002" };

  it("a token over the stream's node ID, address and time verifies; its format is <ts>.<64 hex>", () => {
    const token = hmacToken(SECRET, "2", "127.0.0.1:9002", now);
    expect(token).toMatch(/^1700000000000\.[0-9a-f]{64}$/);
    expect(() => verifyHmacToken(auth, h({ ...claim, [AUTH_HEADER]: token }), now)).not.toThrow();
    // A Uint8Array secret with the same bytes is the same key.
    expect(hmacToken(new TextEncoder().encode(SECRET), "2", "127.0.0.1:9002", now)).toBe(token);
    // A client peer (gorums-node-id 0, no address) and a bare client (no headers) have tokens too.
    expect(() => verifyHmacToken(auth, h({ "gorums-node-id": "0", [AUTH_HEADER]: hmacToken(SECRET, "0", "", now) }), now)).not.toThrow();
    expect(() => verifyHmacToken(auth, h({ [AUTH_HEADER]: hmacToken(SECRET, "", "", now) }), now)).not.toThrow();
  });

  it("missing, malformed, wrong-secret and other-identity tokens are refused with Unauthenticated", () => {
    expect(unauthenticated(() => verifyHmacToken(auth, h(claim), now)).rawMessage).toMatch(/missing gorums-auth/);
    for (const bad of ["", "abc", `${now}`, `${now}.`, `${now}.zz`, `x.${"0".repeat(64)}`, `${now}.${"0".repeat(63)}`, `${now}.${"A".repeat(64)}`]) {
      expect(unauthenticated(() => verifyHmacToken(auth, h({ ...claim, [AUTH_HEADER]: bad }), now)).rawMessage).toMatch(/malformed/);
    }
    const wrongSecret = hmacToken("another secret", "2", "127.0.0.1:9002", now);
    expect(unauthenticated(() => verifyHmacToken(auth, h({ ...claim, [AUTH_HEADER]: wrongSecret }), now)).rawMessage).toMatch(/invalid gorums-auth/);
    // Node 3's token does not let a stream claim node 2, nor another address, nor drop the address.
    const node3 = hmacToken(SECRET, "3", "127.0.0.1:9002", now);
    unauthenticated(() => verifyHmacToken(auth, h({ ...claim, [AUTH_HEADER]: node3 }), now));
    const good = hmacToken(SECRET, "2", "127.0.0.1:9002", now);
    unauthenticated(() => verifyHmacToken(auth, h({ ...claim, "gorums-addr": "127.0.0.1:9003", [AUTH_HEADER]: good }), now));
    unauthenticated(() => verifyHmacToken(auth, h({ "gorums-node-id": "2", [AUTH_HEADER]: good }), now));
    // The timestamp is covered by the MAC.
    const [, mac] = good.split(".");
    unauthenticated(() => verifyHmacToken(auth, h({ ...claim, [AUTH_HEADER]: `${now + 1}.${mac}` }), now));
  });

  it("a token is good for maxSkewMs either side of the verifier's clock, not longer", () => {
    const at = (ts: number) => h({ ...claim, [AUTH_HEADER]: hmacToken(SECRET, "2", "127.0.0.1:9002", ts) });
    expect(() => verifyHmacToken(auth, at(now - 30_000), now)).not.toThrow();
    expect(() => verifyHmacToken(auth, at(now + 30_000), now)).not.toThrow();
    expect(unauthenticated(() => verifyHmacToken(auth, at(now - 30_001), now)).rawMessage).toMatch(/off this server's clock/);
    unauthenticated(() => verifyHmacToken(auth, at(now + 30_001), now));
    const tight = { ...auth, maxSkewMs: 1000 };
    expect(() => verifyHmacToken(tight, at(now - 1000), now)).not.toThrow();
    unauthenticated(() => verifyHmacToken(tight, at(now - 1001), now));
  });

  it("a bad configuration fails at once", () => {
    expect(() => hmacStreamAuth("")).toThrow(/non-empty secret/);
    expect(() => hmacStreamAuth(SECRET, { maxSkewMs: 0 })).toThrow(/maxSkewMs/);
    expect(() => new InboundManager(1, undefined, { peerAuth: { mode: "hmac", secret: new Uint8Array() } })).toThrow(/non-empty secret/);
  });

  it("hmacStreamAuth makes a fresh token over the stream's own headers, renewed at half the skew", () => {
    const a = hmacStreamAuth(SECRET, { maxSkewMs: 10_000 });
    expect(a.maxAgeMs).toBe(5000);
    const headers = h({ "gorums-node-id": "4", "gorums-addr": "127.0.0.1:9004" });
    const made = a.headers(headers);
    const all = new Headers(headers);
    all.set(AUTH_HEADER, made[AUTH_HEADER] as string);
    expect(() => verifyHmacToken(auth, all)).not.toThrow();
  });
});

describe("replicas with peerAuth hmac", () => {
  let mesh: Replicas | undefined;

  async function connectedMesh(n: number, secretOf: (id: number) => string = () => SECRET): Promise<System[]> {
    mesh = await startReplicas(n, (id) => ({ peerAuth: { mode: "hmac", secret: secretOf(id) } }));
    return mesh.replicas.map((r) => r.system);
  }

  it("replicas with the secret connect and run quorum calls over inboundConfig both ways", async () => {
    const systems = await connectedMesh(3);
    await Promise.all(systems.map((s) => s.waitForConfig((c) => c.size === 3, { signal: AbortSignal.timeout(5000) })));
    for (const s of systems) {
      const replies = await quorumCall(s.inboundConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x" }).results().collectAll();
      expect([...replies.keys()].sort()).toEqual([1, 2, 3]);
    }
  });

  it("streams without a valid token are refused with UNAUTHENTICATED; none enters inboundConfig; replica 2's stream is undisturbed", async () => {
    const [r1, r2] = (await connectedMesh(2)) as [System, System];
    await Promise.all([r1, r2].map((s) => s.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) })));
    await waitUntil(() => establishedConnectionsTo([r1, r2].map((s) => portOf(s.addr))) === 1, "one connection between the replicas");
    const before = r1.inboundConfig();
    const claim = { "gorums-addr": r2.addr, "gorums-node-id": "2" };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [claim, /missing gorums-auth/],
      [{ "gorums-node-id": "2" }, /missing gorums-auth/],
      [{ "gorums-node-id": "0" }, /missing gorums-auth/],
      [{}, /missing gorums-auth/],
      [{ ...claim, [AUTH_HEADER]: "garbage" }, /malformed/],
      [{ ...claim, [AUTH_HEADER]: hmacToken("wrong secret", "2", r2.addr, Date.now()) }, /invalid/],
      // A token replica 3 might have sent, replayed with a claim of replica 2.
      [{ ...claim, [AUTH_HEADER]: hmacToken(SECRET, "3", r2.addr, Date.now()) }, /invalid/],
      [{ ...claim, [AUTH_HEADER]: hmacToken(SECRET, "2", r2.addr, Date.now() - 120_000) }, /off this server's clock/],
    ];
    for (const [headers, why] of cases) {
      const s = testRawStream(r1.addr, { headers });
      s.send(1n, "testsvc.TestService.EchoQC", payloadOf(RequestSchema, { value: "evil" }));
      expect((await refusal(s, Code.Unauthenticated)).rawMessage).toMatch(why);
      expect(s.replies).toEqual([]);
    }
    await expectUndisturbed(r1, mesh?.replicas[0]?.state.nums, before);
  });

  it("a stream with a valid token is let in: a client peer joins clientConfig", async () => {
    const [r1] = (await connectedMesh(1)) as [System];
    const ok = testRawStream(r1.addr, { headers: { "gorums-node-id": "0", [AUTH_HEADER]: hmacToken(SECRET, "0", "", Date.now()) } });
    ok.send(1n, "testsvc.TestService.EchoQC", payloadOf(RequestSchema, { value: "hi" }));
    await waitUntil(() => ok.replies.length === 1, "the reply");
    expect(ok.replies[0]?.status).toBeUndefined();
    expect(r1.clientConfig().size).toBe(1);
  });

  it("a client-peer System with the secret joins clientConfig and is called back; one with another secret is refused", async () => {
    const [r1] = (await connectedMesh(1)) as [System];
    const good = await newSystem("127.0.0.1:0", { peerAuth: auth });
    const bad = await newSystem("127.0.0.1:0", { peerAuth: { mode: "hmac", secret: "not the secret" } });
    cleanup(() => good.stop(), () => bad.stop());
    for (const [i, s] of [good, bad].entries()) {
      s.registerService((srv) => registerTestService(srv, newState(), 100 + i));
      await s.serve();
      s.newOutboundConfig(withNodes({ 1: r1.addr }));
    }
    await r1.waitForClientConfig((c) => c.size === 1, { signal: AbortSignal.timeout(5000) });
    await waitUntil(() => bad.inboundManager.node(1)?.lastError?.code === Code.Unauthenticated, "the refusal of the client with another secret");
    await sleep(200);
    expect(r1.clientConfig().size).toBe(1);
    const back = await quorumCall(r1.clientConfig().context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "back" }).all();
    expect(back.num).toBe(100n);
  });

  it("a replica with another secret never joins, and its peers never join its inboundConfig", async () => {
    const systems = await connectedMesh(3, (id) => (id === 3 ? "not the secret" : SECRET));
    const [r1, r2, r3] = systems as [System, System, System];
    await Promise.all([r1, r2].map((s) => s.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) })));
    // Long enough for several dial attempts by replica 3 (backoff starts at 100 ms).
    await sleep(600);
    expect(r1.inboundConfig().nodeIDs()).toEqual([1, 2]);
    expect(r2.inboundConfig().nodeIDs()).toEqual([1, 2]);
    // The refused dialer sees UNAUTHENTICATED, and knows it is not connected.
    await waitUntil(() => r3.inboundManager.node(1)?.lastError?.code === Code.Unauthenticated, "replica 3's refusal");
    expect(r3.inboundConfig().nodeIDs()).toEqual([3]);
  });

  it("a plain client gets in with hmacStreamAuth, and is refused without it", async () => {
    const [r1] = (await connectedMesh(1)) as [System];
    const withAuth = newConfig(withNodes({ 1: r1.addr }), { streamAuth: hmacStreamAuth(SECRET) });
    const without = newConfig(withNodes({ 1: r1.addr }), { backoff: { initialMs: 50, maxMs: 200 } });
    cleanup(() => withAuth.close(), () => without.close());
    const reply = await rpcCall((withAuth.node(1) as NonNullable<ReturnType<Configuration["node"]>>).context({ timeoutMs: 5000 }), TestService.method.echoRPC, {
      value: "ok",
    });
    expect(reply.value).toBe("echo: ok");
    const err = await rpcCall((without.node(1) as NonNullable<ReturnType<Configuration["node"]>>).context({ timeoutMs: 5000 }), TestService.method.echoRPC, {
      value: "no",
    }).then(
      () => new Error("the call succeeded"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("a client that reconnects long after the skew window gets in with a fresh token", async () => {
    const probe = new Server();
    const addr = await probe.listen("127.0.0.1:0");
    await probe.stop();
    const startServer = async () => {
      const server = new Server({ inboundManager: new InboundManager(0, undefined, { peerAuth: { ...auth, maxSkewMs: 300 } }) });
      registerTestService(server, newState(), 1);
      cleanup(() => server.stop());
      await server.listen(addr);
      return server;
    };
    const first = await startServer();
    const config = newConfig(withNodes({ 1: addr }), { streamAuth: hmacStreamAuth(SECRET, { maxSkewMs: 300 }), backoff: { initialMs: 50, maxMs: 100 } });
    cleanup(() => config.close());
    const node = config.node(1) as NonNullable<ReturnType<Configuration["node"]>>;
    expect((await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "1" })).value).toBe("echo: 1");
    await first.stop();
    // Well past the token's 300 ms: a reused token would be refused.
    await sleep(800);
    await startServer();
    expect((await rpcCall(node.context({ timeoutMs: 5000 }), TestService.method.echoRPC, { value: "2" })).value).toBe("echo: 2");
  });

  it("without peerAuth, streams need no token and a gorums-auth header is ignored", async () => {
    mesh = await startReplicas(2);
    const [r1, r2] = mesh.replicas.map((r) => r.system) as [System, System];
    await Promise.all([r1, r2].map((s) => s.waitForConfig((c) => c.size === 2, { signal: AbortSignal.timeout(5000) })));
    const s = testRawStream(r1.addr, { headers: { "gorums-node-id": "0", [AUTH_HEADER]: "garbage" } });
    s.send(1n, "testsvc.TestService.EchoQC", payloadOf(RequestSchema, { value: "hi" }));
    await waitUntil(() => s.replies.length === 1, "the reply");
    expect(r1.clientConfig().size).toBe(1);
  });
});
