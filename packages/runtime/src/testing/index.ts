// @gorums/runtime/testing: real servers on loopback for a project's own tests,
// as Go Gorums' TestConfiguration/TestServers. Test-framework neutral: it
// imports no test runner; pass the runner's cleanup registrar as `onCleanup`.

/// <reference types="node" preserve="true" />

export { testServers, testConfiguration } from "./test-servers.js";
export type { TestServers, TestServersOptions, RegisterServer } from "./test-servers.js";
export { testSystems } from "./test-systems.js";
export type { TestSystems, TestSystemsOptions, RegisterSystem } from "./test-systems.js";
export type { CleanupRegistrar } from "./cleanup.js";
