/**
 * A server interceptor may hand the next step a ctx of its own (here one
 * derived with Object.create): streaming handlers still reply through `send`.
 */
import { describe, expect, it } from "vitest";
import { quorumCallStream, type ServerCtx, streamHandler, withNodeList } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { testConfig, testServer } from "../helpers/test-servers.js";

describe("server interceptors and ctx", () => {

  it("a streaming handler replies when an interceptor passes on a derived ctx", async () => {
    const seen: unknown[] = [];
    const server = testServer({
      interceptors: [(ctx, req, next) => next(Object.create(ctx, { tag: { value: "wrapped" } }) as ServerCtx, req)],
    });
    server.registerHandler(
      "testsvc.TestService.EchoStream",
      streamHandler(TestService.method.echoStream, async (ctx, req, send) => {
        seen.push((ctx as ServerCtx & { tag?: string }).tag);
        await send({ value: `${req.value}-1` });
        await send({ value: `${req.value}-2` });
      }),
    );
    const addr = await server.listen("127.0.0.1:0");
    const config = testConfig(withNodeList([addr]));
    const values: string[] = [];
    for await (const r of quorumCallStream(config.context({ timeoutMs: 2000 }), TestService.method.echoStream, { value: "v" }).results()) {
      values.push(r.value?.value ?? String(r.error));
      if (values.length === 2) {
        break;
      }
    }
    expect(values).toEqual(["v-1", "v-2"]);
    expect(seen).toEqual(["wrapped"]);
  });
});
