/**
 * Test certificates made with `openssl`: a CA, and leaf certificates it
 * signs with the subjectAltName entries a test asks for (usable for both
 * server and client authentication). Everything lives in a temporary
 * directory that `remove()` deletes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair {
  readonly key: Buffer;
  readonly cert: Buffer;
}

export interface TestCA {
  readonly cert: Buffer;
  /** A P-256 certificate signed by this CA with these SAN entries, e.g. ["IP:127.0.0.1", "URI:gorums:node:1"]. */
  issue(name: string, san: readonly string[]): KeyPair;
  /** Deletes the files. */
  remove(): void;
}

let serial = 1;

/** A new self-signed CA (valid one day). */
export function newTestCA(name = "gorums-test-ca"): TestCA {
  const dir = mkdtempSync(join(tmpdir(), "gorums-sec-"));
  const caKey = join(dir, "ca.key");
  const caCert = join(dir, "ca.crt");
  openssl([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-keyout", caKey, "-out", caCert, "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return {
    cert: readFileSync(caCert),
    issue(leaf, san) {
      const base = join(dir, `${leaf}-${serial}`);
      const ext = `${base}.ext`;
      // One entry per line, so that values may hold commas.
      const counts = new Map<string, number>();
      const lines = san.map((entry) => {
        const type = entry.slice(0, entry.indexOf(":"));
        const n = (counts.get(type) ?? 0) + 1;
        counts.set(type, n);
        return `${type}.${n}=${entry.slice(type.length + 1)}`;
      });
      writeFileSync(ext, `subjectAltName=@alt\nbasicConstraints=CA:FALSE\n[alt]\n${lines.join("\n")}\n`);
      openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${leaf}`]);
      openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", caCert, "-CAkey", caKey, "-set_serial", String(serial++), "-days", "1", "-out", `${base}.crt`, "-extfile", ext]);
      return { key: readFileSync(`${base}.key`), cert: readFileSync(`${base}.crt`) };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}
