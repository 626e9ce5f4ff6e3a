/**
 * The address module: "host:port" splitting as Go's net.SplitHostPort,
 * formatting with bracketed IPv6, the host of an address, one spelling per
 * host (loopback names, IPv4-mapped IPv6), and listen addresses.
 * normalizeAddress itself is covered in core/node-list.test.ts.
 */
import { describe, expect, it } from "vitest";
import { canonicalHost, formatAddress, hostOf, normalizeAddress, parseListenAddress, parsePort, splitHostPort } from "../../src/wire/address.js";

describe("splitHostPort", () => {
  const ok: Array<[string, string, string]> = [
    ["127.0.0.1:80", "127.0.0.1", "80"],
    ["localhost:9081", "localhost", "9081"],
    ["[::1]:8080", "::1", "8080"],
    ["[::ffff:127.0.0.1]:1", "::ffff:127.0.0.1", "1"],
    ["[fe80::1%eth0]:80", "fe80::1%eth0", "80"],
    [":0", "", "0"],
    ["[::]:0", "::", "0"],
    ["host:", "host", ""],
    ["host:http", "host", "http"],
  ];
  for (const [addr, host, port] of ok) {
    it(`${addr} → ${JSON.stringify(host)} and ${JSON.stringify(port)}`, () => {
      expect(splitHostPort(addr)).toEqual({ host, port });
    });
  }

  // normalizeAddress's cases in core/node-list.test.ts go through this too.
  const bad: Array<[string, string]> = [
    ["", "missing port in address"],
    ["[fe80::1%eth0]", "missing port in address"],
    ["[fe80::1]:80:", "too many colons in address"],
    ["fe80::1:80", "too many colons in address"],
    ["[2001:db8::1:443", "missing ']' in address"],
    ["[a[b]:80", "unexpected '[' in address"],
    ["[::1]]:80", "missing port in address"],
    ["x]y:80", "unexpected ']' in address"],
  ];
  for (const [addr, why] of bad) {
    it(`rejects ${JSON.stringify(addr)}: ${why}`, () => {
      expect(() => splitHostPort(addr)).toThrowError(new Error(`gorums: invalid address ${JSON.stringify(addr)}: ${why}`));
    });
  }

  it("names what the address is for in its error", () => {
    expect(() => splitHostPort("nohost", "peer address")).toThrowError(new Error('gorums: invalid peer address "nohost": missing port in address'));
  });
});

describe("parsePort", () => {
  it("takes decimal 0 to 65535, leading zeros allowed", () => {
    expect([parsePort("0"), parsePort("80"), parsePort("080"), parsePort("65535")]).toEqual([0, 80, 80, 65535]);
  });
  it("refuses empty, too large, signed, spaced, hex and named ports", () => {
    for (const text of ["", "65536", "99999", "123456", "-1", "+1", " 80", "80 ", "0x50", "http", "1e3"]) {
      expect(parsePort(text), text).toBeUndefined();
    }
  });
});

describe("formatAddress", () => {
  it("brackets IPv6 hosts only", () => {
    expect(formatAddress("127.0.0.1", 80)).toBe("127.0.0.1:80");
    expect(formatAddress("example.com", "443")).toBe("example.com:443");
    expect(formatAddress("::1", 8080)).toBe("[::1]:8080");
    expect(formatAddress("::ffff:127.0.0.1", 1)).toBe("[::ffff:127.0.0.1]:1");
    expect(formatAddress("fe80::1%eth0", 80)).toBe("[fe80::1%eth0]:80");
    expect(formatAddress("", 0)).toBe(":0");
  });
  it("is undone by splitHostPort", () => {
    for (const host of ["10.0.0.1", "::1", "2001:db8::1", "fe80::1%eth0", "replica-0.replicas", ""]) {
      expect(splitHostPort(formatAddress(host, 9000))).toEqual({ host, port: "9000" });
    }
  });
});

describe("hostOf", () => {
  it("is the host of a socket or normalized address, without brackets", () => {
    expect(hostOf("127.0.0.1:5000")).toBe("127.0.0.1");
    expect(hostOf("[::1]:5000")).toBe("::1");
    expect(hostOf("[::ffff:10.0.0.4]:5000")).toBe("::ffff:10.0.0.4");
    expect(hostOf("replica-0.replicas:9080")).toBe("replica-0.replicas");
    expect(hostOf(normalizeAddress("[2001:DB8::1]:443"))).toBe("2001:db8::1");
  });
});

describe("canonicalHost: loopback spellings", () => {
  it("spells 127.0.0.1 one way: localhost (any case), the empty host, IPv4-mapped IPv6 in any spelling", () => {
    for (const h of ["127.0.0.1", "localhost", "LocalHost", "", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "::FFFF:7F00:1", "0:0:0:0:0:ffff:127.0.0.1"]) {
      expect(canonicalHost(h), JSON.stringify(h)).toBe("127.0.0.1");
    }
  });
  it("keeps other 127.x addresses as hosts of their own", () => {
    expect(canonicalHost("127.0.0.2")).toBe("127.0.0.2");
    expect(canonicalHost("::ffff:127.0.0.2")).toBe("127.0.0.2");
    expect(canonicalHost("127.1.2.3")).toBe("127.1.2.3");
  });
  it("keeps ::1 an IPv6 host, compressed and bracketed in any spelling", () => {
    for (const h of ["::1", "[::1]", "0:0:0:0:0:0:0:1", "[0000::0001]"]) {
      expect(canonicalHost(h), h).toBe("[::1]");
    }
    expect(canonicalHost("::1")).not.toBe(canonicalHost("127.0.0.1"));
  });
  it("lower-cases host names and IPv6, keeps a zone as given", () => {
    expect(canonicalHost("Example.COM")).toBe("example.com");
    expect(canonicalHost("2001:DB8:0:0::1")).toBe("[2001:db8::1]");
    expect(canonicalHost("fe80::1%Eth0")).toBe("[fe80::1%Eth0]");
  });
  it("is idempotent", () => {
    for (const h of ["localhost", "::ffff:10.0.0.1", "::1", "2001:DB8::1", "Example.com", "fe80::1%eth0"]) {
      expect(canonicalHost(canonicalHost(h)), h).toBe(canonicalHost(h));
    }
  });
});

describe("parseListenAddress", () => {
  it("splits host and port, unbracketing IPv6; an empty host means all interfaces", () => {
    expect(parseListenAddress("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListenAddress("localhost:9081")).toEqual({ host: "localhost", port: 9081 });
    expect(parseListenAddress("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    expect(parseListenAddress("[::]:0")).toEqual({ host: "::", port: 0 });
    expect(parseListenAddress(":9000")).toEqual({ host: undefined, port: 9000 });
  });
  it("refuses a missing or invalid port, and IPv6 without brackets", () => {
    expect(() => parseListenAddress("127.0.0.1")).toThrowError(new Error('gorums: invalid listen address "127.0.0.1": missing port in address'));
    expect(() => parseListenAddress("127.0.0.1:99999")).toThrowError(new Error('gorums: invalid listen address "127.0.0.1:99999": bad port "99999"'));
    expect(() => parseListenAddress("127.0.0.1:")).toThrowError(new Error('gorums: invalid listen address "127.0.0.1:": bad port ""'));
    expect(() => parseListenAddress("host:http")).toThrowError(/bad port "http"/);
    expect(() => parseListenAddress("::1:80")).toThrowError(/too many colons in address/);
  });
});
