/**
 * Micro benchmark of the payload encoder against protobuf-es's toBinary,
 * in one run: ns per message of each, alternating rounds, best round kept.
 *
 *   tsc -p packages/runtime/bench/tsconfig.json && node packages/runtime/bench/dist/bench/payload-encode.js [rounds]
 */
import { create, type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { encodePayload } from "../src/codec/payload-encoder.js";
import { EchoSchema, NestedSchema, ScalarsSchema } from "../test/gen/codec/proto3_pb.js";

interface Case {
  readonly name: string;
  readonly schema: DescMessage;
  readonly message: MessageShape<DescMessage>;
}

const scalars = create(ScalarsSchema, {
  fDouble: 1.5,
  fInt64: -7n,
  fUint64: 1n << 40n,
  fInt32: 1234,
  fBool: true,
  fString: "a string of some length",
  fBytes: new Uint8Array(32),
  fEnum: 1,
  fSint32: -5,
});

const CASES: Case[] = [
  { name: "codec.Echo, 16-byte payload", schema: EchoSchema, message: create(EchoSchema, { payload: new Uint8Array(16).fill(1), id: 42n, key: "key-42" }) },
  {
    name: "codec.Nested, 8 children of Scalars",
    schema: NestedSchema,
    message: create(NestedSchema, {
      scalars,
      choice: { case: "cString", value: "chosen" },
      children: Array.from({ length: 8 }, (_, i) => ({ scalars, choice: { case: "cInt32" as const, value: i } })),
    }),
  },
];

/** ns per call of `f` over `n` calls. */
function time(n: number, f: () => Uint8Array): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    sink += f().length;
  }
  const ns = Number(process.hrtime.bigint() - start) / n;
  if (sink < 0) console.log(sink);
  return ns;
}

function run(rounds: number): void {
  for (const c of CASES) {
    const ours = () => encodePayload(c.schema, c.message);
    const theirs = () => toBinary(c.schema, c.message);
    if (Buffer.compare(ours(), theirs()) !== 0) {
      throw new Error(`${c.name}: the encodings differ`);
    }
    // Calls per round: about 50 ms of toBinary.
    const n = Math.max(1000, Math.round(50e6 / time(20_000, theirs)));
    let best = { ours: Infinity, theirs: Infinity };
    for (let r = 0; r < rounds; r++) {
      best = { ours: Math.min(best.ours, time(n, ours)), theirs: Math.min(best.theirs, time(n, theirs)) };
    }
    const bytes = ours().length;
    console.log(
      `${c.name} (${bytes} B): encodePayload ${best.ours.toFixed(0)} ns/op, toBinary ${best.theirs.toFixed(0)} ns/op, ${(best.theirs / best.ours).toFixed(2)}× faster`,
    );
  }
}

run(Number(process.argv[2] ?? 7));
