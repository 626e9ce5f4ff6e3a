// @gorums/protoc-gen-gorums-ts: the plugin (run it with runNodeJs, as
// bin/protoc-gen-gorums-ts does) and the pieces tests and tools may reuse.
export { protocGenGorumsTs } from "./plugin.js";
export { callTypeOf, callTypeOptionsOf, type CallType, type CallTypeOption } from "./call-type.js";
export { validateFile } from "./validate.js";
export { version } from "./version.js";
