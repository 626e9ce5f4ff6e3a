import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type CodeGeneratorRequest,
  CodeGeneratorRequestSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { bufBin, gorumsProto } from "./paths.js";

/**
 * A CodeGeneratorRequest as buf or protoc would send it: `buf build` compiles
 * the input (with source info, so comments are there) and every import.
 *
 * @param input a directory buf builds: a module of a workspace, or a
 *   directory with its own buf.yaml (built from inside, as its own workspace).
 * @param fileToGenerate proto paths relative to the module root.
 * @param parameter the plugin parameter, e.g. "target=ts,import_extension=js".
 */
export function requestFromDir(input: string, fileToGenerate: string[], parameter = ""): CodeGeneratorRequest {
  const image = execFileSync(bufBin, ["build", ".", "--as-file-descriptor-set", "-o", "-"], {
    cwd: input,
    maxBuffer: 64 << 20,
  });
  const set = fromBinary(FileDescriptorSetSchema, image);
  return create(CodeGeneratorRequestSchema, { protoFile: set.file, fileToGenerate, parameter });
}

/**
 * A CodeGeneratorRequest for inline protos: writes them into a fresh temporary
 * buf module beside a copy of the workspace's gorums.proto, builds it, and
 * asks to generate every given file.
 */
export function requestFromSources(files: Record<string, string>, parameter = ""): CodeGeneratorRequest {
  const dir = mkdtempSync(join(tmpdir(), "gorums-ts-proto-"));
  try {
    writeFileSync(join(dir, "buf.yaml"), "version: v2\n");
    copyFileSync(gorumsProto, join(dir, "gorums.proto"));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    return requestFromDir(dir, Object.keys(files), parameter);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
