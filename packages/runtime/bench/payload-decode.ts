/**
 * Micro benchmark (not a test): ns/op of decodePayload against protobuf-es's
 * fromBinary in the same run, for benchmark.Echo with a 16-byte payload
 * (QuorumCall's request and reply) and a larger benchmark.Result.
 *
 *   npx tsc -p packages/runtime/bench/tsconfig.json && node packages/runtime/bench/dist/bench/payload-decode.js
 */
import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { decodePayload } from "../src/codec/payload-decoder.js";
import { EchoSchema, ResultSchema } from "./gen/benchmark/benchmark_pb.js";

/** ns per call of decode on bytes, the best of a few rounds. */
function nsPerOp(schema: DescMessage, bytes: Uint8Array, decode: (s: DescMessage, b: Uint8Array) => unknown, ops: number): number {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) sink ^= (decode(schema, bytes) as object) === undefined ? 1 : 0;
    best = Math.min(best, Number(process.hrtime.bigint() - start) / ops);
  }
  return best + sink;
}

const cases: [string, DescMessage, Uint8Array, number][] = [
  ["benchmark.Echo (16-byte payload)", EchoSchema, toBinary(EchoSchema, create(EchoSchema, { payload: new Uint8Array(16).fill(1) })), 1_000_000],
  [
    "benchmark.Result (20 server stats)",
    ResultSchema,
    toBinary(
      ResultSchema,
      create(ResultSchema, {
        name: "QuorumCall",
        totalOps: 123456n,
        totalTime: 987654321n,
        throughput: 1234.5,
        latencyAvg: 0.25,
        latencyVar: 0.01,
        serverStats: Array.from({ length: 20 }, (_, i) => ({ allocs: BigInt(i * 1000), memory: BigInt(i * 65536) })),
      }),
    ),
    200_000,
  ],
];

for (const [name, schema, bytes, ops] of cases) {
  const ours = nsPerOp(schema, bytes, decodePayload, ops);
  const theirs = nsPerOp(schema, bytes, fromBinary, ops);
  console.log(`${name}, ${bytes.length} bytes: decodePayload ${ours.toFixed(0)} ns/op, fromBinary ${theirs.toFixed(0)} ns/op, ${(theirs / ours).toFixed(2)}x`);
}
