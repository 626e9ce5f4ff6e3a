/**
 * The REPL's input parsing: quoted splitting of command lines (Go's
 * splitQuoted), the `cfg` node selections (Go's parseIndices: ranges `1:3`,
 * lists `0,2`), node indices, and the `server` subcommand's --peers list.
 */
import { describe, expect, it } from "vitest";
import { isHostPort, parseIndices, parseNodeIndex, parsePeers, splitAddrs, splitQuoted, UsageError } from "../src/parse.js";

describe("splitQuoted", () => {
  it.each([
    ["rpc 0 write foo bar", ["rpc", "0", "write", "foo", "bar"]],
    ["  qc   read\tfoo  ", ["qc", "read", "foo"]],
    ["cfg 0,2 write foo 'bar baz'", ["cfg", "0,2", "write", "foo", "bar baz"]],
    ['write foo "bar baz"', ["write", "foo", "bar baz"]],
    ["write foo 'it''s'", ["write", "foo", "its"]],
    [`write foo "it's"`, ["write", "foo", "it's"]],
    ["write foo 'a \\' b'", ["write", "foo", "a ' b"]],
    ["write foo bar\\ baz", ["write", "foo", "bar baz"]],
    ["write foo ''", ["write", "foo", ""]],
    ["write k'ey' v", ["write", "key", "v"]],
    ["", []],
    ["   ", []],
  ])("%j", (line, expected) => {
    expect(splitQuoted(line)).toEqual(expected);
  });

  it("rejects an unterminated quote and a trailing backslash with a UsageError", () => {
    expect(() => splitQuoted("write foo 'bar")).toThrow(UsageError);
    expect(() => splitQuoted("write foo 'bar")).toThrow(/unterminated quoted string/);
    expect(() => splitQuoted('write foo "bar')).toThrow(/missing closing "/);
    expect(() => splitQuoted("write foo bar\\")).toThrow(/unfinished escape/);
  });
});

describe("parseIndices (cfg)", () => {
  it.each([
    ["1:3", 4, [1, 2]],
    ["0:4", 4, [0, 1, 2, 3]],
    [":2", 4, [0, 1]],
    ["2:", 4, [2, 3]],
    [":", 4, [0, 1, 2, 3]],
    ["0,2", 4, [0, 2]],
    ["3,1", 4, [3, 1]],
    ["2", 4, [2]],
    ["0", 1, [0]],
  ])("%s of %i nodes", (spec, n, expected) => {
    expect(parseIndices(spec, n)).toEqual(expected);
  });

  it.each([
    ["3:1", /invalid range '3:1'/],
    ["2:2", /invalid range/],
    ["0:5", /within 0:4/],
    ["a:2", /must be numbers/],
    ["1:2:3", /use start:stop/],
    ["-1:2", /must be numbers/],
    ["0,4", /invalid node index 4 in '0,4'/],
    ["0,0", /duplicate node index 0/],
    ["0,,1", /invalid node list/],
    ["x", /invalid node list 'x'/],
    ["", /invalid node list/],
    ["1.5", /invalid node list/],
  ])("rejects %j", (spec, message) => {
    expect(() => parseIndices(spec, 4)).toThrow(UsageError);
    expect(() => parseIndices(spec, 4)).toThrow(message);
  });
});

describe("parseNodeIndex", () => {
  it("accepts 0..n-1 and names the range otherwise", () => {
    expect(parseNodeIndex("0", 4)).toBe(0);
    expect(parseNodeIndex("3", 4)).toBe(3);
    expect(() => parseNodeIndex("4", 4)).toThrow("invalid node index 4: it must be between 0 and 3");
    expect(() => parseNodeIndex("-1", 4)).toThrow("invalid node index '-1': it must be a number between 0 and 3");
    expect(() => parseNodeIndex("one", 4)).toThrow(UsageError);
  });
});

describe("addresses and peers", () => {
  it("splits and checks host:port lists", () => {
    expect(splitAddrs(" 127.0.0.1:1, localhost:2,,")).toEqual(["127.0.0.1:1", "localhost:2"]);
    expect(isHostPort("127.0.0.1:9081")).toBe(true);
    expect(isHostPort("[::1]:9081")).toBe(true);
    expect(isHostPort("localhost")).toBe(false);
    expect(isHostPort("host:99999")).toBe(false);
    expect(isHostPort("::1:9081")).toBe(false);
  });

  it("parses --peers id=host:port lists", () => {
    expect(parsePeers("1=127.0.0.1:9081,2=127.0.0.1:9082")).toEqual(
      new Map([
        [1, "127.0.0.1:9081"],
        [2, "127.0.0.1:9082"],
      ]),
    );
    expect(() => parsePeers("0=127.0.0.1:1")).toThrow(/id of 1 or more/);
    expect(() => parsePeers("127.0.0.1:1")).toThrow(/invalid peer/);
    expect(() => parsePeers("1=nohost")).toThrow(/invalid peer '1=nohost'/);
    expect(() => parsePeers("1=a:1,1=b:2")).toThrow(/appears twice/);
  });
});
