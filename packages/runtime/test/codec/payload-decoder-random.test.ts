import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { prng } from "../helpers/prng.js";
import { allSchemas, expectSameDecode } from "./payload-decoder-expect.js";
import { ClosedSchema, ParentSchema, WrappedInOneofSchema, WrappedSchema } from "./payload-decoder-schemas.js";
import { RandomMessages } from "./payload-decoder-random.js";

const schemas = [...allSchemas, ClosedSchema, WrappedSchema, ParentSchema, WrappedInOneofSchema];
const perSchema = 80;

/** Concatenates byte arrays (a second encoding merges into the first). */
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("decodePayload on random messages", () => {
  it.each(schemas.map((s) => [s.typeName, s] as const))("%s: decodes as fromBinary, also two encodings merged", (_, schema) => {
    const random = new RandomMessages(prng(0xc0dec ^ schema.typeName.length));
    let previous = new Uint8Array(0);
    for (let i = 0; i < perSchema; i++) {
      const bytes = toBinary(schema, random.message(schema));
      expect(expectSameDecode(schema, bytes)).toBe(true);
      expect(expectSameDecode(schema, concat(previous, bytes))).toBe(true);
      previous = bytes;
    }
  });

  it.each(schemas.map((s) => [s.typeName, s] as const))("%s: mutated bytes throw or decode as fromBinary", (_, schema) => {
    const rand = prng(0xbad ^ schema.typeName.length);
    const random = new RandomMessages(rand);
    for (let i = 0; i < perSchema; i++) {
      const bytes = toBinary(schema, random.message(schema));
      if (bytes.length === 0) continue;
      const flipped = bytes.slice();
      flipped[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      expectSameDecode(schema, flipped);
      expectSameDecode(schema, bytes.subarray(0, Math.floor(rand() * bytes.length)));
      const at = Math.floor(rand() * bytes.length);
      expectSameDecode(schema, concat(bytes.subarray(0, at), new Uint8Array([Math.floor(rand() * 256)]), bytes.subarray(at)));
    }
  });
});
