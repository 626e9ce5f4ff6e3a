import { describe, expect, it } from "vitest";
import { requestFromSources } from "./support/request.js";
import { runPlugin } from "./support/run.js";

/** A proto3 file in package `bad` that imports gorums.proto and declares Req/Resp. */
function proto(services: string): string {
  return `syntax = "proto3";
package bad;
import "gorums.proto";
message Req {}
message Resp {}
${services}
`;
}

/** The message the plugin throws for one file `bad.proto`. */
function errorFor(services: string): string {
  const req = requestFromSources({ "bad.proto": proto(services) }, "target=ts");
  try {
    runPlugin(req);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error("the plugin accepted bad.proto");
}

describe("validation errors name file, service and method", () => {
  it("refuses two call-type options on one method", () => {
    const msg = errorFor(`service S {
  rpc Both(Req) returns (Resp) {
    option (gorums.quorumcall) = true;
    option (gorums.multicast) = true;
  }
}`);
    expect(msg).toBe(
      "bad.proto: service bad.S, method Both: sets several Gorums call types (gorums.multicast), (gorums.quorumcall); a method has exactly one call type",
    );
  });

  it("refuses gorums.rpc combined with another call type", () => {
    const msg = errorFor(`service S {
  rpc Mixed(Req) returns (Resp) {
    option (gorums.rpc) = true;
    option (gorums.unicast) = true;
  }
}`);
    expect(msg).toContain("bad.proto: service bad.S, method Mixed: sets several Gorums call types (gorums.rpc), (gorums.unicast)");
  });

  it("counts an option set to false as absent", () => {
    const req = requestFromSources(
      {
        "ok.proto": proto(`service S {
  rpc Read(Req) returns (Resp) {
    option (gorums.multicast) = false;
    option (gorums.quorumcall) = true;
  }
}`),
      },
      "target=ts",
    );
    expect(runPlugin(req).get("ok_gorums.ts")).toContain("return quorumCall(ctx, S.method.read, req, opts);");
  });

  it("refuses client streaming", () => {
    const msg = errorFor(`service S {
  rpc Upload(stream Req) returns (Resp) {
    option (gorums.multicast) = true;
  }
}`);
    expect(msg).toBe(
      'bad.proto: service bad.S, method Upload: client streaming is not supported; Gorums calls take one request (remove "stream" from the request type)',
    );
  });

  it("refuses bidirectional streaming, also with quorumcall", () => {
    const msg = errorFor(`service S {
  rpc Chat(stream Req) returns (stream Resp) {
    option (gorums.quorumcall) = true;
  }
}`);
    expect(msg).toBe(
      'bad.proto: service bad.S, method Chat: bidirectional streaming is not supported; only a quorum call may stream responses (remove "stream" from the request type)',
    );
  });

  it("refuses server streaming without quorumcall", () => {
    expect(
      errorFor(`service S {
  rpc Watch(Req) returns (stream Resp);
}`),
    ).toBe("bad.proto: service bad.S, method Watch: option (gorums.quorumcall) is required for a server-streaming method");
    expect(
      errorFor(`service S {
  rpc Watch(Req) returns (stream Resp) {
    option (gorums.multicast) = true;
  }
}`),
    ).toBe(
      "bad.proto: service bad.S, method Watch: option (gorums.quorumcall) is required for a server-streaming method, not (gorums.multicast)",
    );
  });

  it("refuses two services whose methods have the same localName, naming both", () => {
    const msg = errorFor(`service A {
  rpc Read(Req) returns (Resp);
}
service B {
  rpc Read(Req) returns (Resp) {
    option (gorums.quorumcall) = true;
  }
}`);
    expect(msg).toBe(
      'bad.proto: the generated name "read" is taken by the client function of service bad.A, method Read and the client function of service bad.B, method Read; rename one of them',
    );
  });

  it("refuses two methods of one service that differ only in the case of the first letter", () => {
    const msg = errorFor(`service S {
  rpc Read(Req) returns (Resp);
  rpc read(Req) returns (Resp);
}`);
    expect(msg).toBe(
      'bad.proto: the generated name "read" is taken by the client function of service bad.S, method Read and the client function of service bad.S, method read; rename one of them',
    );
  });

  it("refuses a method whose function is named like the register function", () => {
    const msg = errorFor(`service Storage {
  rpc RegisterStorageServer(Req) returns (Resp);
}`);
    expect(msg).toBe(
      'bad.proto: the generated name "registerStorageServer" is taken by the register function of service bad.Storage and the client function of service bad.Storage, method RegisterStorageServer; rename one of them',
    );
  });

  it("refuses a method whose function is named like another service's server interface", () => {
    const msg = errorFor(`service kv {
  rpc Get(Req) returns (Resp);
}
service Admin {
  rpc KvServer(Req) returns (Resp);
}`);
    expect(msg).toBe(
      'bad.proto: the generated name "kvServer" is taken by the server interface of service bad.kv and the client function of service bad.Admin, method KvServer; rename one of them',
    );
  });

  it("refuses a service named like a parameter of the generated functions", () => {
    const msg = errorFor(`service ctx {
  rpc Get(Req) returns (Resp);
}`);
    expect(msg).toBe(
      'bad.proto: service bad.ctx: the service name "ctx" would be shadowed by a parameter of the generated functions; rename the service',
    );
  });

  it("refuses a request or response message named Promise, which would shadow the global", () => {
    const msg = errorFor(`message Promise {}
service S {
  rpc Get(Req) returns (Promise);
}`);
    expect(msg).toBe(
      "bad.proto: service bad.S, method Get: message bad.Promise would shadow the global Promise type in the generated file; rename the message",
    );
  });

  it("reports every problem of every file at once, and writes nothing", () => {
    const req = requestFromSources(
      {
        "one.proto": `syntax = "proto3";
package one;
import "gorums.proto";
message M {}
service S {
  rpc Up(stream M) returns (M);
  rpc Down(M) returns (stream M);
}`,
        "two.proto": `syntax = "proto3";
package two;
import "gorums.proto";
message M {}
service T {
  rpc Both(M) returns (M) {
    option (gorums.unicast) = true;
    option (gorums.quorumcall) = true;
  }
}`,
      },
      "target=ts",
    );
    expect(() => runPlugin(req)).toThrow(
      [
        'one.proto: service one.S, method Up: client streaming is not supported; Gorums calls take one request (remove "stream" from the request type)',
        "one.proto: service one.S, method Down: option (gorums.quorumcall) is required for a server-streaming method",
        "two.proto: service two.T, method Both: sets several Gorums call types (gorums.unicast), (gorums.quorumcall); a method has exactly one call type",
      ].join("\n"),
    );
  });
});
