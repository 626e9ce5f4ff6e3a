export { protocGenGorumsTs } from "./plugin.js";
export { callTypeOf, callTypeOptionsOf, type CallType, type CallTypeOption } from "./call-type.js";
export { validateFile } from "./validate.js";
export { version } from "./version.js";
