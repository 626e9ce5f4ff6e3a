// Runs `pnpm -r run build` only when some package's dist is missing or older
// than its src (or package.json/tsconfig), so `pnpm storage`, `paxos`, `quiz`
// and `demo` start at once when the workspace is already built. A clean
// clone (no dist) builds as before.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const roots = ["packages", "examples"].flatMap((d) => readdirSync(d).map((p) => join(d, p)));

/** Newest mtime (ms) of the files under `dir` whose names pass `keep`; 0 if none. */
function newest(dir, keep) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p, keep) : keep(e.name) ? statSync(p).mtimeMs : 0);
  }
  return t;
}

const stale = roots.some((pkg) => {
  if (!existsSync(join(pkg, "tsconfig.build.json"))) return false;
  const built = newest(join(pkg, "dist"), (n) => n.endsWith(".js"));
  const inputs = Math.max(
    newest(join(pkg, "src"), (n) => n.endsWith(".ts")),
    statSync(join(pkg, "package.json")).mtimeMs,
    statSync(join(pkg, "tsconfig.build.json")).mtimeMs,
  );
  return built === 0 || built < inputs;
});
if (stale) {
  // Under `pnpm <script>`, npm_execpath is pnpm itself; run directly, pnpm@12.4.2 through npx.
  const pnpm = process.env.npm_execpath;
  const [cmd, args] = pnpm?.endsWith(".js") || pnpm?.endsWith(".cjs") ? [process.execPath, [pnpm]] : ["npx", ["-y", "pnpm@12.4.2"]];
  execFileSync(cmd, [...args, "-r", "run", "build"], { stdio: "inherit", shell: process.platform === "win32" });
}
