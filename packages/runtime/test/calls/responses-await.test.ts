/**
 * Awaiting a Responses without a terminal method (issue 17, item 6): `await
 * qc(ctx, req)` and `Promise.resolve(responses)` reject at once with a
 * TypeError naming first(), majority(), all() and threshold(n), send
 * nothing, and TypeScript types the `await` as `never` (checked by `tsc` in
 * `pnpm lint`: this file does not compile without the typed `then`).
 */
import { describe, expect, it } from "vitest";
import { quorumCall, type Responses } from "../../src/index.js";
import { TestService } from "../gen/testsvc/testsvc_pb.js";
import { startTestServers } from "../helpers/test-servers.js";
import { rejection, useTestServers } from "./util.js";
import { sleep } from "../helpers/wait.js";

type IsNever<T> = [T] extends [never] ? true : false;

// Compile-time: `await responses` has type never…
const awaitedIsNever: IsNever<Awaited<Responses<string>>> = true;
// …while a terminal method still gives the reply.
const terminalIsValue: IsNever<Awaited<ReturnType<Responses<string>["first"]>>> = false;

/** Compiles only while `await r` is `never`; rejects at run time. */
async function awaited<T>(r: Responses<T>): Promise<never> {
  return await r;
}

describe("awaiting a Responses", () => {
  const cluster = useTestServers();

  it("is typed never by TypeScript", () => {
    expect(awaitedIsNever).toBe(true);
    expect(terminalIsValue).toBe(false);
  });

  it("await rejects at once with a TypeError naming the terminal methods, and sends nothing", async () => {
    const { servers, config } = await cluster.use(startTestServers(3));
    const r = quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "x", num: 7n });
    const started = Date.now();
    const err = await rejection((async () => await r)());
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(TypeError);
    const msg = (err as Error).message;
    for (const name of ["first()", "majority()", "all()", "threshold(n)"]) {
      expect(msg).toContain(name);
    }
    await sleep(50);
    expect(servers.map((s) => s.state.nums.length)).toEqual([0, 0, 0]);
    // The Responses is still usable by a terminal method afterwards.
    expect((await r.majority()).value).toBe("echo: x");
  });

  it("Promise.resolve(responses) rejects the same way; so does returning it from an async function", async () => {
    const { servers, config } = await cluster.use(startTestServers(1));
    const ctx = config.context({ timeoutMs: 5000 });
    const viaResolve = await rejection(Promise.resolve(quorumCall(ctx, TestService.method.echoQC, { value: "y" })));
    expect(viaResolve).toBeInstanceOf(TypeError);
    expect((viaResolve as Error).message).toContain("threshold(n)");
    const viaAwaited = await rejection(awaited(quorumCall(ctx, TestService.method.echoQC, { value: "z" })));
    expect(viaAwaited).toBeInstanceOf(TypeError);
    await sleep(50);
    expect(servers[0]?.state.nums.length).toBe(0);
  });

  it("then(onFulfilled, onRejected) calls the rejection handler, never the fulfillment one", async () => {
    const { config } = await cluster.use(startTestServers(1));
    const r = quorumCall(config.context({ timeoutMs: 5000 }), TestService.method.echoQC, { value: "t" });
    const got = await r.then(
      () => "fulfilled",
      (e: unknown) => (e instanceof TypeError ? "rejected" : "other"),
    );
    expect(got).toBe("rejected");
  });
});
