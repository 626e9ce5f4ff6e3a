/** The command-line scanning shared by `pnpm bench` and `pnpm bench:go` (bench/argv.ts). */
import { describe, expect, it } from "vitest";
import { numberFlag, scanArgv } from "../bench/argv.js";

const known = new Set(["time", "json"]);
const bools = new Set(["help", "list"]);

describe("scanArgv", () => {
  it("reads --name value, --name=value and boolean flags", () => {
    const { values, bools: given } = scanArgv(["--time", "3", "--json=out.json", "--list"], known, bools);
    expect([...values]).toEqual([["time", "3"], ["json", "out.json"]]);
    expect([...given]).toEqual(["list"]);
  });

  it("throws on an unknown flag, a missing value and a bare argument", () => {
    expect(() => scanArgv(["--tme", "3"], known, bools)).toThrow("unknown flag --tme");
    expect(() => scanArgv(["--time"], known, bools)).toThrow("flag --time needs a value");
    expect(() => scanArgv(["3"], known, bools)).toThrow('unexpected argument "3"');
  });
});

describe("numberFlag", () => {
  it("gives the default when absent and the number when given", () => {
    expect(numberFlag(new Map(), "time", 2, 0.1)).toBe(2);
    expect(numberFlag(new Map([["time", "0.5"]]), "time", 2, 0.1)).toBe(0.5);
  });

  it("throws below the minimum and on what is not a finite number", () => {
    expect(() => numberFlag(new Map([["time", "0.01"]]), "time", 2, 0.1)).toThrow('--time must be a number ≥ 0.1, not "0.01"');
    expect(() => numberFlag(new Map([["time", "soon"]]), "time", 2)).toThrow(/--time must be a number/);
    expect(() => numberFlag(new Map([["time", "Infinity"]]), "time", 2)).toThrow(/--time must be a number/);
  });
});
