// decodePayload decodes every reply a client receives (decodeReply) and every
// request a server receives (RequestDispatcher), and a payload it cannot
// decode is the same status as before: Internal for a reply, InvalidArgument
// for a request.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { decodeReply } from "../../src/calls/codec.js";
import { decodePayload } from "../../src/codec/payload-decoder.js";
import type { Message } from "../../src/gen/stream_pb.js";
import { twoWayHandler } from "../../src/index.js";
import { RequestDispatcher } from "../../src/server/request-dispatcher.js";
import { RequestGate } from "../../src/server/request-gate.js";
import { replyMessage, requestMessage } from "../../src/wire/message.js";
import { RequestSchema, ResponseSchema, TestService } from "../gen/testsvc/testsvc_pb.js";

vi.mock("../../src/codec/payload-decoder.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/codec/payload-decoder.js")>();
  return { decodePayload: vi.fn(actual.decodePayload) };
});

const decodeSpy = vi.mocked(decodePayload);
const METHOD = "testsvc.TestService.EchoRPC";
const truncated = new Uint8Array([0x0a, 0x05, 0x61]);

/** The replies a dispatcher serving an echo handler sends for payload. */
function serve(payload: Uint8Array): Message[] {
  const sent: Message[] = [];
  const d = new RequestDispatcher(
    {
      handler: (m) => (m === METHOD ? twoWayHandler(TestService.method.echoRPC, (_ctx, req) => ({ value: `echo: ${req.value}` })) : undefined),
      interceptors: [],
      gate: new RequestGate(),
    },
    { signal: new AbortController().signal, headers: new Headers(), peer: { address: "127.0.0.1:1", nodeID: 0 }, config: () => { throw new Error("unused"); }, clientConfig: () => { throw new Error("unused"); } },
  );
  d.enqueue(requestMessage(1n, METHOD, payload, []), (msg) => {
    sent.push(msg);
    return Promise.resolve();
  });
  return sent;
}

describe("decodePayload on the hot path", () => {
  beforeEach(() => {
    decodeSpy.mockClear();
  });

  it("decodes a reply's payload, and a malformed one is Internal", () => {
    const payload = toBinary(ResponseSchema, create(ResponseSchema, { value: "v" }));
    const request = requestMessage(1n, METHOD, new Uint8Array(0), []);
    expect(decodeReply(ResponseSchema, replyMessage(request, payload))).toEqual({ value: fromBinary(ResponseSchema, payload) });
    expect(decodeSpy).toHaveBeenCalledWith(ResponseSchema, payload);
    const bad = decodeReply(ResponseSchema, replyMessage(request, truncated));
    expect("error" in bad && bad.error.code).toBe(Code.Internal);
    expect("error" in bad && bad.error.message).toMatch(/could not unmarshal response/);
  });

  it("decodes a request's payload, and a malformed one is InvalidArgument", () => {
    const payload = toBinary(RequestSchema, create(RequestSchema, { value: "a" }));
    const [reply] = serve(payload);
    expect(fromBinary(ResponseSchema, reply!.payload).value).toBe("echo: a");
    expect(decodeSpy).toHaveBeenCalledWith(RequestSchema, payload);
    const [bad] = serve(truncated);
    expect(bad!.status?.code).toBe(Code.InvalidArgument);
    expect(bad!.status?.message).toMatch(/could not unmarshal request/);
  });
});
