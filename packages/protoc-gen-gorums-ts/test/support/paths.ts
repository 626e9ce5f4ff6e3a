import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The plugin package: packages/protoc-gen-gorums-ts. */
export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The workspace root. */
export const workspaceDir = resolve(packageDir, "..", "..");

/** The buf CLI from the workspace's devDependencies. */
export const bufBin = join(workspaceDir, "node_modules", ".bin", "buf");

/** The plugin's bin shim (runs dist/, so the package must be built). */
export const pluginBin = join(packageDir, "bin", "protoc-gen-gorums-ts");

/** The workspace's gorums.proto: the one source of the Gorums method options. */
export const gorumsProto = join(workspaceDir, "proto", "gorums.proto");

/** The test protos that generate (a module of the workspace's buf.yaml). */
export const testProtoDir = join(packageDir, "test", "proto");
