// The temporary directory of a checked test, with the checker built into it:
// shared by the fault tests, in faults/harness.
export { type CheckerDir, useCheckerDir } from "@gorums/fault-harness";
