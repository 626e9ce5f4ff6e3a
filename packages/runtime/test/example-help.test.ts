/**
 * Every example's `--help` and what the docs say about it (issue 17, item
 * 12), so that they cannot drift apart silently. For each directory of
 * examples/ with a program (src/main.ts), the built `dist/main.js --help`
 * (and the help of its subcommands that have their own) is run, and:
 * the `--flags` its README names are exactly those the help names; every
 * subcommand of the help appears in the README as `main.js <subcommand>`.
 * For the storage REPL, the flags the guide's REPL section names are in the
 * help, and the commands and operations of the REPL's `help`, of the guide's
 * command table and of the README's command summary are the same.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const run = promisify(execFile);

/** Subcommands with a help of their own, beyond `main.js --help`. */
const SUBCOMMAND_HELP: Record<string, string[][]> = { storage: [["server", "--help"]] };

const examples = readdirSync(join(ROOT, "examples")).filter((d) => existsSync(join(ROOT, "examples", d, "src", "main.ts")));

/** The output of `node examples/<name>/dist/main.js <args>`, with what it reads from stdin. */
async function program(name: string, args: string[], input = ""): Promise<string> {
  const main = join(ROOT, "examples", name, "dist", "main.js");
  const child = run(process.execPath, [main, ...args], { timeout: 20_000 });
  child.child.stdin?.end(input);
  return (await child).stdout;
}

/** The distinct `--flag`s of a text. */
function flags(text: string): string[] {
  return [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])].sort();
}

function readme(name: string): string {
  return readFileSync(join(ROOT, "examples", name, "README.md"), "utf8");
}

/** The text of the guide's section under `## <title>`, up to the next `## `. */
function guideSection(title: string): string {
  const guide = readFileSync(join(ROOT, "docs", "user-guide.md"), "utf8");
  const start = guide.indexOf(`\n## ${title}\n`);
  expect(start, `the guide's section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = guide.indexOf("\n## ", start + 1);
  return guide.slice(start, end < 0 ? undefined : end);
}

/** The words of `text` that are REPL command or operation names: everything but <placeholders> and punctuation. */
function words(text: string): string[] {
  return [...new Set(text.replace(/<[^>]*>/g, " ").match(/[a-z]+/g) ?? [])].sort();
}

describe("every example's --help matches its README", () => {
  it("finds the examples", () => {
    expect(examples).toEqual(expect.arrayContaining(["paxos", "quiz", "storage"]));
  });

  for (const name of examples) {
    it(`${name}: the README's --flags are the help's, and it shows every subcommand`, { timeout: 60_000 }, async () => {
      const helps = await Promise.all([["--help"], ...(SUBCOMMAND_HELP[name] ?? [])].map((args) => program(name, args)));
      const help = helps.join("\n");
      expect(help.trim(), `${name} --help prints its usage`).not.toBe("");
      const text = readme(name);
      expect(flags(text), `${name}: README flags vs --help`).toEqual(flags(help));
      const subcommands = [...new Set([...help.matchAll(/main\.js ([a-z]+)/g)].map((m) => m[1] as string))];
      for (const sub of subcommands) {
        expect(text, `${name}'s README shows the subcommand ${sub}`).toContain(`main.js ${sub} `);
      }
    });
  }
});

describe("the guide's REPL section and the storage example", () => {
  it("names only flags that the storage program's help has", { timeout: 60_000 }, async () => {
    const help = (await Promise.all([program("storage", ["--help"]), program("storage", ["server", "--help"])])).join("\n");
    const documented = flags(guideSection("Interactive REPL"));
    expect(documented.length).toBeGreaterThan(0);
    expect(flags(help)).toEqual(expect.arrayContaining(documented));
  });

  it("has the same commands and operations as the REPL's help and the README", { timeout: 60_000 }, async () => {
    // The REPL against an address nobody listens on: `help` needs no replica.
    const out = await program("storage", ["--connect", "127.0.0.1:1"], "help\n");
    const help = out.slice(out.indexOf("Commands:"), out.indexOf("Examples:"));
    // Each line of the help's lists starts with the command or operation (or "exit, quit").
    const fromHelp = words(
      help
        .split("\n")
        .filter((l) => /^ {2}[a-z]/.test(l))
        .map((l) => l.trim().split(/ {2,}/)[0] as string)
        .join(" "),
    );
    // The guide's table: the backticked text of each row's first column.
    const rows = guideSection("Interactive REPL")
      .split("\n")
      .filter((l) => l.startsWith("| `"));
    const fromGuide = words(rows.map((r) => [...(r.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1]).join(" ")).join(" "));
    // The README's summary: the code block after "## The REPL".
    const repl = readme("storage");
    const block = repl.slice(repl.indexOf("## The REPL"));
    const summary = block.slice(block.indexOf("```\n") + 4, block.indexOf("\n```", block.indexOf("```\n") + 4));
    // Without a line's trailing note ("      nodes: a range 1:3 …").
    const fromReadme = words(
      summary
        .split("\n")
        .map((l) => l.replace(/ {3,}[a-z]+:.*$/, ""))
        .join(" "),
    );

    expect(fromHelp).toEqual(expect.arrayContaining(["cfg", "cread", "mcast", "nodes", "qc", "rpc"]));
    expect(fromGuide, "the guide's table vs the REPL's help").toEqual(fromHelp);
    expect(fromReadme, "the README's summary vs the REPL's help").toEqual(fromHelp);
  });
});
