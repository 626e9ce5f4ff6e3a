/**
 * Test hosts in network namespaces: each host (a replica, a client) is a
 * namespace of its own with one address of 10.77.0.0/24, joined to the
 * others through a router namespace (the hub) by a point-to-point veth pair:
 *
 *   host ns (eth0: 10.77.0.K/32, peer 10.77.0.254, default route) ─ veth ─ hub ns (h-NAME: 10.77.0.254, peer 10.77.0.K; ip_forward)
 *
 * Every packet between two hosts is forwarded by the hub, so a policy rule
 * there (`ip rule add from A to B blackhole`) drops what A sends to B
 * silently, as a cable pulled between them would: no error, no ICMP, TCP
 * connections stay open and their packets go unanswered. Two rules cut the
 * link between two hosts and nothing else (the machine has no iptables, nft
 * or netem; rules need neither). Everything lives in namespaces named
 * `PREFIX-PID-…` (PID: the test process), so runs in parallel do not clash
 * and their addresses never meet; nothing is added to the root namespace.
 * `destroy` deletes them; `create` first deletes those of a run whose
 * process is gone, and deletes its own when this process exits.
 */
import { execFile, execFileSync } from "node:child_process";

/** The address range of the hosts: host K (from 1) is 10.77.0.K, the hub 10.77.0.254. */
export const NET_PREFIX = "10.77.0";
const HUB_ADDR = `${NET_PREFIX}.254`;
/** Namespace names of the harness start with this (then `-PID-`). */
export const DEFAULT_NETNS_PREFIX = "gts";

/** Runs `ip ARGS…`; rejects with its stderr. `input` goes to its stdin (for `-batch -`). */
function ip(args: readonly string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile("ip", args, (err, _stdout, stderr) => {
      if (err === null) {
        resolve();
      } else {
        reject(new Error(`ip ${args.join(" ")}: ${stderr.trim() || err.message}`));
      }
    });
    // An `ip` that exits before reading its stdin (a failure) closes the pipe: its exit code tells.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input ?? "");
  });
}

function ipSync(args: readonly string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function listNetns(): string[] {
  try {
    return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .map((l) => l.split(" ")[0] ?? "")
      .filter((n) => n !== "");
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Why this machine cannot make the test hosts (not root, or `ip netns add`
 * fails), or undefined if it can: tried with a namespace made and deleted.
 */
export function netnsRefusal(prefix = DEFAULT_NETNS_PREFIX): string | undefined {
  if (process.getuid?.() !== 0) {
    return "not root: network namespaces need CAP_SYS_ADMIN";
  }
  const probe = `${prefix}-${process.pid}-probe`;
  try {
    ipSync(["netns", "add", probe]);
    ipSync(["netns", "delete", probe]);
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `\`ip netns add\` failed: ${stderr || (err instanceof Error ? err.message : String(err))}`;
  }
}

/** Deletes the namespaces `PREFIX-PID-…` of runs whose process PID is gone; returns their names. */
export function deleteStaleNetns(prefix = DEFAULT_NETNS_PREFIX): string[] {
  const pattern = new RegExp(`^${prefix}-(\\d+)-`);
  const stale = listNetns().filter((name) => {
    const m = pattern.exec(name);
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  });
  for (const name of stale) {
    try {
      ipSync(["netns", "delete", name]);
    } catch {
      // Gone meanwhile (another run cleaning up too).
    }
  }
  return stale;
}

/** A link between two hosts, by name. */
export type Link = readonly [string, string];

/**
 * The hosts of one run. Host names are short (at most 12 characters, as
 * they name the hub's interfaces): `r1`, `c2`.
 */
export class NetHosts {
  private readonly severed = new Map<string, Link>();
  private destroyed = false;
  private readonly onExit = () => this.destroy();

  private constructor(
    /** Host name → its address (no port). */
    readonly addrs: ReadonlyMap<string, string>,
    /** Host name → its namespace. */
    readonly namespaces: ReadonlyMap<string, string>,
    /** The router's namespace. */
    readonly hub: string,
  ) {
    process.once("exit", this.onExit);
  }

  /**
   * Makes the hub and one namespace per host (in the order given: the K-th
   * is 10.77.0.K), after deleting the stale namespaces of `prefix`. On a
   * failure, deletes what it made and rejects.
   */
  static async create(hosts: readonly string[], prefix = DEFAULT_NETNS_PREFIX): Promise<NetHosts> {
    if (hosts.length === 0 || hosts.length > 250) {
      throw new Error(`NetHosts: 1 to 250 hosts, not ${hosts.length}`);
    }
    for (const h of hosts) {
      if (!/^[a-z0-9]{1,12}$/.test(h)) {
        throw new Error(`NetHosts: host name "${h}" is not 1–12 of [a-z0-9]`);
      }
    }
    if (new Set(hosts).size !== hosts.length) {
      throw new Error("NetHosts: a host is named twice");
    }
    deleteStaleNetns(prefix);
    const base = `${prefix}-${process.pid}`;
    const namespaces = new Map(hosts.map((h) => [h, `${base}-${h}`]));
    const addrs = new Map(hosts.map((h, i) => [h, `${NET_PREFIX}.${i + 1}`]));
    const net = new NetHosts(addrs, namespaces, `${base}-hub`);
    try {
      await ip(["netns", "add", net.hub]);
      await ip(["-n", net.hub, "link", "set", "lo", "up"]);
      await ip(["netns", "exec", net.hub, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
      // One host at a time: `ip` processes are cheap, and the machine is shared.
      for (const h of hosts) {
        const ns = namespaces.get(h) as string;
        const addr = addrs.get(h) as string;
        const hubSide = `h-${h}`;
        await ip(["netns", "add", ns]);
        await ip(["-n", net.hub, "link", "add", hubSide, "type", "veth", "peer", "name", "eth0", "netns", ns]);
        await ip(["-n", ns, "-batch", "-"], `link set lo up\naddr add ${addr}/32 peer ${HUB_ADDR} dev eth0\nlink set eth0 up\nroute add default via ${HUB_ADDR} dev eth0\n`);
        await ip(["-n", net.hub, "-batch", "-"], `addr add ${HUB_ADDR}/32 peer ${addr} dev ${hubSide}\nlink set ${hubSide} up\n`);
      }
    } catch (err) {
      net.destroy();
      throw err;
    }
    return net;
  }

  /** The host names, in the order of their addresses. */
  get hosts(): string[] {
    return [...this.addrs.keys()];
  }

  /** The address of host `h`. */
  addr(h: string): string {
    const a = this.addrs.get(h);
    if (a === undefined) {
      throw new Error(`NetHosts: no host "${h}"`);
    }
    return a;
  }

  /** The command prefix that runs a program in host `h`'s namespace: `ip netns exec NS` (it execs: the pid is the program's). */
  exec(h: string): string[] {
    const ns = this.namespaces.get(h);
    if (ns === undefined) {
      throw new Error(`NetHosts: no host "${h}"`);
    }
    return ["ip", "netns", "exec", ns];
  }

  /** The links cut now. */
  get cutLinks(): Link[] {
    return [...this.severed.values()];
  }

  /** Cuts the links (both directions of each), silently: packets between the two hosts are dropped by the hub. */
  async cut(links: readonly Link[]): Promise<void> {
    const fresh = links.filter((l) => !this.severed.has(key(l)));
    if (fresh.length === 0) {
      return;
    }
    await ip(["-n", this.hub, "-batch", "-"], fresh.map((l) => this.rules("add", l)).join(""));
    for (const l of fresh) {
      this.severed.set(key(l), l);
    }
  }

  /** Heals the links given (default: every cut link). */
  async heal(links: readonly Link[] = this.cutLinks): Promise<void> {
    const cut = links.filter((l) => this.severed.has(key(l)));
    if (cut.length === 0) {
      return;
    }
    await ip(["-n", this.hub, "-batch", "-"], cut.map((l) => this.rules("del", l)).join(""));
    for (const l of cut) {
      this.severed.delete(key(l));
    }
  }

  /** Deletes every namespace of this run (again: nothing). Processes still in one keep it until they exit: end them first. */
  destroy(): void {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    process.off("exit", this.onExit);
    // The hub first: deleting a namespace destroys its veth ends, and so their peers.
    for (const ns of [this.hub, ...this.namespaces.values()]) {
      try {
        ipSync(["netns", "delete", ns]);
      } catch {
        // Never made (a failed create), or deleted already.
      }
    }
  }

  private rules(op: "add" | "del", [a, b]: Link): string {
    const [x, y] = [this.addr(a), this.addr(b)];
    return `rule ${op} pref 100 from ${x} to ${y} blackhole\nrule ${op} pref 100 from ${y} to ${x} blackhole\n`;
  }
}

function key([a, b]: Link): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
