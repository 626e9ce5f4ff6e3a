// The shared helpers of the fault tests (examples/paxos, examples/register).
export { freePorts, ProcessSet } from "./process-set.js";
export type { ProcessSetOptions, ProcessState } from "./process-set.js";
export { planFaults, runFaults } from "./fault-schedule.js";
export type { Fault, FaultCounts, PlanOptions, RunFaultsOptions } from "./fault-schedule.js";
export { rng } from "./rng.js";
export { buildChecker, CHECKER_DIR, haveGo, runChecker } from "./checker.js";
export type { CheckResult } from "./checker.js";
export { formatLiveness, livenessFigures } from "./history-stats.js";
export type { LivenessFigures } from "./history-stats.js";
