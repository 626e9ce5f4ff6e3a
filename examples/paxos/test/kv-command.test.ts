/**
 * The key-value commands of the log: "KEY=VALUE" puts and answers with the
 * previous value, "KEY?" gets; anything else is no command and changes
 * nothing.
 */
import { describe, expect, it } from "vitest";
import { applyOp, formatOp, parseOp } from "../src/kv-command.js";

describe("kv commands", () => {
  it("parse what they format", () => {
    expect(parseOp(formatOp({ kind: "put", key: "x", value: "a=b" }))).toEqual({ kind: "put", key: "x", value: "a=b" });
    expect(parseOp(formatOp({ kind: "get", key: "x" }))).toEqual({ kind: "get", key: "x" });
    expect(parseOp("x=")).toEqual({ kind: "put", key: "x", value: "" });
    for (const bad of ["", "?", "=1", "x"]) {
      expect(parseOp(bad), bad).toBeUndefined();
    }
  });

  it("put answers with the previous value, get with the value, both '' for a key never put", () => {
    const state = new Map<string, string>();
    expect(applyOp(state, "x?")).toBe("");
    expect(applyOp(state, "x=1")).toBe("");
    expect(applyOp(state, "x=2")).toBe("1");
    expect(applyOp(state, "x?")).toBe("2");
    expect(applyOp(state, "y?")).toBe("");
    expect(applyOp(state, "junk")).toBe("");
    expect([...state]).toEqual([["x", "2"]]);
  });
});
