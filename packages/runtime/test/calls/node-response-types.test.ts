/**
 * NodeResponse is a discriminated union (issue 15 item 5): checking `error`
 * narrows `value` to the reply type, with no cast. These are type checks
 * (run by `pnpm lint`'s tsc) beside the runtime assertions.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { NodeFailure, NodeResponse, NodeValue } from "../../src/index.js";

describe("NodeResponse", () => {
  it("narrows to a NodeValue when error is undefined, and to a NodeFailure otherwise", () => {
    const answers: NodeResponse<string>[] = [
      { nodeID: 1, value: "a" },
      { nodeID: 2, error: new Error("down") },
    ];
    const values: string[] = [];
    const errors: string[] = [];
    for (const r of answers) {
      if (r.error === undefined) {
        expectTypeOf(r).toEqualTypeOf<NodeValue<string>>();
        expectTypeOf(r.value).toEqualTypeOf<string>();
        values.push(r.value);
      } else {
        expectTypeOf(r).toEqualTypeOf<NodeFailure>();
        expectTypeOf(r.value).toEqualTypeOf<undefined>();
        errors.push(r.error.message);
      }
    }
    expect(values).toEqual(["a"]);
    expect(errors).toEqual(["down"]);
  });

  it("has no shape with both a value and an error, or neither", () => {
    // @ts-expect-error a value and an error together
    const both: NodeResponse<string> = { nodeID: 1, value: "a", error: new Error("x") };
    // @ts-expect-error neither a value nor an error
    const neither: NodeResponse<string> = { nodeID: 1 };
    expect([both.nodeID, neither.nodeID]).toEqual([1, 1]);
  });
});
