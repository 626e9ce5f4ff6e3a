/**
 * CPU time spent per call, by the calling process and by the processes
 * that serve it: on a machine with fewer cores than processes, throughput
 * is bounded by the total CPU a call costs, so this tells where it goes.
 * The bench's own process is read with process.cpuUsage(); other local
 * processes from /proc/<pid>/stat (Linux; elsewhere they are left out).
 */
import { readFileSync } from "node:fs";

/** CPU microseconds per call. */
export interface CpuPerCall {
  /** The process that made the calls. */
  readonly caller: number;
  /** The processes that served them, together (undefined when they cannot be read). */
  readonly servers?: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time of another process in microseconds, or undefined when it cannot be read. */
function procCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function selfCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU time of the caller (undefined: this process) and the servers, in µs. */
function snapshot(caller: number | undefined, servers: readonly number[]): { caller: number | undefined; servers: number | undefined } {
  let total: number | undefined = 0;
  for (const pid of servers) {
    const t = procCpuUs(pid);
    total = t === undefined || total === undefined ? undefined : total + t;
  }
  return { caller: caller === undefined ? selfCpuUs() : procCpuUs(caller), servers: servers.length > 0 ? total : undefined };
}

/**
 * Watches CPU time over a window: `start()` and `stop()` take snapshots;
 * `perCall(callsPerSec)` divides by the calls the window held.
 */
export class CpuWatch {
  private t0 = 0;
  private t1 = 0;
  private s0: ReturnType<typeof snapshot> | undefined;
  private s1: ReturnType<typeof snapshot> | undefined;

  constructor(
    /** The calling process (undefined: this one). */
    private readonly caller: number | undefined,
    private readonly servers: readonly number[],
  ) {}

  start(): void {
    this.s0 = snapshot(this.caller, this.servers);
    this.t0 = performance.now();
  }

  stop(): void {
    if (this.s0 !== undefined && this.s1 === undefined) {
      this.s1 = snapshot(this.caller, this.servers);
      this.t1 = performance.now();
    }
  }

  /** CPU µs per call at `callsPerSec`, or undefined when the window was not taken. */
  perCall(callsPerSec: number): CpuPerCall | undefined {
    return this.perCalls((callsPerSec * (this.t1 - this.t0)) / 1000);
  }

  /** CPU µs per call when the window held `calls` calls, or undefined when it was not taken. */
  perCalls(calls: number): CpuPerCall | undefined {
    const { s0, s1 } = this;
    if (s0 === undefined || s1 === undefined || s0.caller === undefined || s1.caller === undefined || calls <= 0) {
      return undefined;
    }
    const caller = (s1.caller - s0.caller) / calls;
    if (s0.servers === undefined || s1.servers === undefined) {
      return { caller };
    }
    return { caller, servers: (s1.servers - s0.servers) / calls };
  }
}
