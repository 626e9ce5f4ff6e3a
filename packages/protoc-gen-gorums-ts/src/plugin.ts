import { createEcmaScriptPlugin, type Plugin } from "@bufbuild/protoplugin";
import { generate } from "./generate.js";
import { version } from "./version.js";

/**
 * The plugin's own options: none. protoplugin parses its standard options
 * (`target`, `import_extension`, `js_import_style`, `keep_empty_files`,
 * `ts_nocheck`, `rewrite_imports`, …) itself and hands every other key here,
 * where it is refused.
 */
function parseOptions(rawOptions: { key: string; value: string }[]): object {
  const [first] = rawOptions;
  if (first !== undefined) {
    throw new Error(
      `protoc-gen-gorums-ts has no option "${first.key}"; it takes protoplugin's standard options ` +
        `(target, import_extension, js_import_style, keep_empty_files, ts_nocheck, rewrite_imports)`,
    );
  }
  return {};
}

/**
 * protoc-gen-gorums-ts: writes `<name>_gorums.ts` (or `.js` + `.d.ts` with
 * `target=js+dts`) beside protoc-gen-es's `<name>_pb.ts` for every file that
 * has a service: one client function per method, a `<Service>Server`
 * interface and a `register<Service>Server` function per service, calling
 * `@gorums/runtime`. Invalid Gorums services make `run` throw with a message
 * naming file, service and method.
 */
export const protocGenGorumsTs: Plugin = createEcmaScriptPlugin({
  name: "protoc-gen-gorums-ts",
  version: `v${version}`,
  parseOptions,
  generateTs: (schema) => generate(schema, "ts"),
  generateJs: (schema) => generate(schema, "js"),
  generateDts: (schema) => generate(schema, "dts"),
});
