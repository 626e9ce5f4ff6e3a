// The shared helpers of the fault tests (examples/paxos, examples/register):
// processes under signals, test hosts in network namespaces, seeded fault and
// partition schedules, link faults through Toxiproxy, client processes, the
// checker (and a test directory with it built), a test's temporary directory,
// liveness figures.
export { freePorts, ProcessSet } from "./process-set.js";
export type { ProcessSetOptions, ProcessState } from "./process-set.js";
export { planFaults, runFaults } from "./fault-schedule.js";
export type { Fault, FaultCounts, PlanOptions, RunFaultsOptions } from "./fault-schedule.js";
export { rng } from "./rng.js";
export { buildChecker, CHECKER_DIR, haveGo, runChecker } from "./checker.js";
export type { CheckerModel, CheckResult } from "./checker.js";
export { skipWithoutGo, useCheckerDir } from "./checker-dir.js";
export type { CheckerDir } from "./checker-dir.js";
export { testDir } from "./test-dir.js";
export { endProcesses, startClientProcess } from "./client-process.js";
export type { ClientProcess } from "./client-process.js";
export { formatLiveness, livenessFigures, readHistoryLines } from "./history-stats.js";
export type { HistoryLine, LivenessFigures } from "./history-stats.js";
export { deleteStaleNetns, DEFAULT_NETNS_PREFIX, NET_PREFIX, NetHosts, netnsRefusal } from "./net-hosts.js";
export type { Link } from "./net-hosts.js";
export { HEALED_MS, isolate, PARTITION_MS, planPartitions, runPartitions } from "./partition-schedule.js";
export type { Partition, PartitionKind, PartitionPlanOptions, PartitionWindow } from "./partition-schedule.js";
export { formatPartitionFigures, partitionFigures } from "./partition-figures.js";
export { failureReasons, finishPartitionRun, formatCheck, formatWindows, hostPlacement, skipPartitionTest, usePartitionRun } from "./partition-run.js";
export type { PartitionRun } from "./partition-run.js";
export type { HealFigure, PartitionFigures, PartitionSides, SideCount } from "./partition-figures.js";
export { buildToxiproxy, Toxiproxy, TOXIPROXY_DIR } from "./toxiproxy.js";
export type { ToxicKind, ToxicSpec, ToxicStream } from "./toxiproxy.js";
export { LINK_FAULT_MS, planLinkFaults, runLinkFaults } from "./link-fault-schedule.js";
export type { LinkFault, LinkFaultKind, LinkFaultPlanOptions, LinkFaultWindow, ProxyLink } from "./link-fault-schedule.js";
export { formatLinkFaultFigures, linkFaultFigures } from "./link-fault-figures.js";
export type { LinkFaultFigures, OperationFigures } from "./link-fault-figures.js";
