/**
 * Both wire protocols against the same server, each over HTTP/2: gRPC (the
 * default, what Go Gorums speaks; our node:http2 stream) and Connect
 * (connect-node). The Connect protocol's own test set is
 * test/connect/connect-protocol.test.ts.
 */
import { describe, expect, it } from "vitest";
import { newConfig, quorumCall, rpcCall, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers, type TestServer } from "../helpers/test-servers.js";

describe("wire protocols", () => {
  let servers: TestServer[] = [];

  for (const protocol of ["grpc", "connect"] as const) {
    it(`${protocol}: rpc and quorum call`, async () => {
      servers = await startTestServers(3);
      const config = newConfig(withNodeList(servers.map((s) => s.addr)), { protocol });
      try {
        const node = config.nodes()[0];
        expect(node).toBeDefined();
        const r = await rpcCall(node!.context({ timeoutMs: 5000 }), TestService.method.echo, { value: protocol });
        expect(r.value).toBe(`echo: ${protocol}`);
        const all = await quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "q" }).results().collectAll();
        expect([...all.keys()].sort()).toEqual([1, 2, 3]);
      } finally {
        await config.close();
      }
    });
  }
});
