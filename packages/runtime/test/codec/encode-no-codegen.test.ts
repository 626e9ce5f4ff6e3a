/**
 * Where code generation from strings is forbidden, the payload encoder
 * writes every payload with protobuf-es's toBinary: the same bytes, no
 * failure. Runs the built runtime (dist) in a child node process with
 * --disallow-code-generation-from-strings, and once without it to show that
 * the flag is what changes the path.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Encodes a Duration with encodePayload and with toBinary in a child process; prints whether the bytes match and which path wrote them. */
const script = `
import { create, toBinary } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { encodePayload } from "./dist/codec/payload-encoder.js";
const msg = create(DurationSchema, { seconds: 1234567890123n, nanos: 987 });
const ours = encodePayload(DurationSchema, msg);
const theirs = toBinary(DurationSchema, msg);
console.log(JSON.stringify({ same: Buffer.from(ours).equals(Buffer.from(theirs)), compiled: Buffer.isBuffer(ours) }));
`;

function run(flags: string[]): { same: boolean; compiled: boolean } {
  const out = execFileSync(process.execPath, [...flags, "--input-type=module", "-e", script], { cwd: packageRoot, encoding: "utf8" });
  return JSON.parse(out.trim()) as { same: boolean; compiled: boolean };
}

describe("encodePayload without code generation", () => {
  it("falls back to toBinary under --disallow-code-generation-from-strings, with the same bytes", () => {
    expect(run(["--disallow-code-generation-from-strings"])).toEqual({ same: true, compiled: false });
  });

  it("compiles its encoder when code generation is allowed", () => {
    expect(run([])).toEqual({ same: true, compiled: true });
  });
});
