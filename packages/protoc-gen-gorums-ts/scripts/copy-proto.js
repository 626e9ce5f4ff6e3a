// Copies the workspace's proto/gorums.proto into this package's proto/ so that
// it ships in the npm package (users pass -I node_modules/@gorums/protoc-gen-gorums-ts/proto).
// The copy is a build product (gitignored): proto/gorums.proto at the root is the one source.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(pkg, "proto"), { recursive: true });
copyFileSync(join(pkg, "..", "..", "proto", "gorums.proto"), join(pkg, "proto", "gorums.proto"));
