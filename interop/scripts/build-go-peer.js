// Builds the Go interop peer (and gorums-go-bench, the stand-in for Go
// Gorums' cmd/benchmark) into interop/go/bin, and the peer on the Go Gorums
// v0.11.0 release into interop/go-release/bin (go build caches, so a
// second build is quick). Without `go` on PATH it says so loudly and exits 0,
// so the rest of the workspace still builds; the interop tests then skip
// (and fail on CI, where CI=true).
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const goDir = join(dirname(fileURLToPath(import.meta.url)), "..", "go");
if (spawnSync("go", ["version"]).status !== 0) {
  console.error("\n*** interop: `go` is not on PATH: the Go interop peer was not built, the interop tests will be skipped ***\n");
  process.exit(0);
}
for (const cmd of ["gorums-go-peer", "gorums-go-bench"]) {
  execFileSync("go", ["build", "-o", join(goDir, "bin", cmd), `./cmd/${cmd}`], { cwd: goDir, stdio: "inherit" });
}
// The peer built on the Go Gorums v0.11.0 release itself (interop/go-release), from the Go module proxy.
const releaseDir = join(goDir, "..", "go-release");
execFileSync("go", ["build", "-o", join(releaseDir, "bin", "gorums-release-peer"), "./cmd/gorums-release-peer"], { cwd: releaseDir, stdio: "inherit" });
