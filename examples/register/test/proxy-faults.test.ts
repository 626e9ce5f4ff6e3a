/**
 * The ABD register over slow, resetting and stalling links, checked for
 * linearizability by Porcupine (faults/checker): five replicas and three
 * clients on 127.0.0.1, every link through a Toxiproxy proxy (built from
 * faults/toxiproxy/go.mod): one proxy per client–replica link, and one in
 * front of each replica for the other replicas, whose `--replicas` name
 * those proxies (each replica listens elsewhere, `--listen`, and announces
 * its proxy as its `gorums-addr`). A seeded schedule (faults/harness
 * planLinkFaults) adds toxics to single links, several at once, at most
 * three of a client's five links at a time: 50–200 ms latency each way
 * with jitter; resets (RST 0–300 ms after data, new connections too);
 * stalls (all data dropped, the connection left open, closed when the stall
 * ends); and on every client link for the whole run, 5% of the
 * connections reset at once. The clients run random reads and writes,
 * each phase with a 1000 ms deadline, HTTP/2 keepalive (500 ms) and a
 * 1000 ms connect timeout.
 * Then the histories of all clients together must be linearizable, and
 * the figures are printed: per kind of fault, the operations of the
 * clients while a link of theirs had it, and with all their links clean.
 *
 * Identity: the replicas keep the default `identity: "strict"`. A stream
 * through a proxy comes from the proxy's host, 127.0.0.1, which is the host
 * of every replica's announced address here, so the host check passes and
 * proves nothing, as in every test on 127.0.0.1; a proxy on another host
 * would need `identity: "node-id"` with `peerAuth` (docs/security.md).
 *
 * Needs go (skipped with a loud message otherwise, except on CI).
 * GORUMS_REGISTER_PROXY_SEED sets the seed (default 1),
 * GORUMS_REGISTER_PROXY_MS the length of the schedule (default 12,000 ms).
 */
import { join } from "node:path";
import {
  formatLinkFaultFigures,
  formatLiveness,
  freePorts,
  haveGo,
  linkFaultFigures,
  livenessFigures,
  planLinkFaults,
  type ProxyLink,
  readHistoryLines,
  runLinkFaults,
  type ToxicSpec,
  Toxiproxy,
} from "@gorums/fault-harness";
import { describe, expect, it } from "vitest";
import { endCheckedRun, expectCheckedRun } from "./checked-run.js";
import { useCheckerDir } from "./checker-dir.js";
import { registerReplicas, startClient, useRunProcesses } from "./processes.js";

const SEED = Number(process.env.GORUMS_REGISTER_PROXY_SEED ?? 1);
const FAULT_MS = Number(process.env.GORUMS_REGISTER_PROXY_MS ?? 12_000);
const N = 5;
const CLIENTS = 3;
/** At most this many of a client's links are faulty at once. */
const MAX_PER_CLIENT = 3;
/** The clients go on this long after the schedule ends, with every link clean. */
const TAIL_MS = 2000;
const CHECK_TIMEOUT_S = Math.max(60, Math.round(FAULT_MS / 1000));
/**
 * On every client link for the whole run: 5% of the connections a client
 * makes are reset (RST) as soon as data arrives, decided per connection
 * (Toxiproxy's toxicity), so a dial after a fault may fail again.
 */
const FLAKY: ToxicSpec = { name: "flaky", stream: "upstream", toxicity: 0.05, toxic: { type: "reset_peer", timeout: 0 } };
const REPLICA_IDS = Array.from({ length: N }, (_, i) => i + 1);
const CLIENT_IDS = Array.from({ length: CLIENTS }, (_, i) => i + 1);

/** The proxy of client c's link to replica r, and of the replicas' links into replica r. */
const clientLink = (c: number, r: number) => `c${c}-r${r}`;
const peerLink = (r: number) => `peers-r${r}`;
const LINKS: ProxyLink[] = [
  ...CLIENT_IDS.flatMap((c) => REPLICA_IDS.map((r) => ({ proxy: clientLink(c, r), group: `c${c}` }))),
  ...REPLICA_IDS.map((r) => ({ proxy: peerLink(r), group: "replicas" })),
];

const GO = haveGo();
if (!GO) {
  console.error("\n*** register proxy faults: `go` is not on PATH: Toxiproxy and the linearizability check (faults/checker) cannot be built; skipped ***\n");
}

describe("the link-fault schedule of a seed", () => {
  it("has every kind of fault on the clients' links, keeps to the bound per client, ends in time, and is the same for the same seed", () => {
    const plan = planLinkFaults(SEED, { links: LINKS, ms: FAULT_MS, maxPerGroup: MAX_PER_CLIENT });
    expect(new Set(plan.filter((f) => f.link.group !== "replicas").map((f) => f.kind)), "kinds on the clients' links").toEqual(new Set(["latency", "reset", "stall"]));
    expect(plan.length).toBeGreaterThanOrEqual(Math.floor(FAULT_MS / 1000));
    for (const f of plan) {
      expect(f.at + f.forMs, f.description).toBeLessThanOrEqual(FAULT_MS);
      const overlapping = plan.filter((g) => g.at <= f.at && f.at < g.at + g.forMs);
      expect(overlapping.filter((g) => g.link.group === f.link.group).length, f.description).toBeLessThanOrEqual(MAX_PER_CLIENT);
      expect(overlapping.filter((g) => g.link.proxy === f.link.proxy), f.description).toEqual([f]);
      for (const t of f.toxics.filter((t) => t.toxic.type === "latency")) {
        expect(t.toxic.type === "latency" && t.toxic.latency >= 50 && t.toxic.latency <= 200 && t.toxic.jitter > 0, f.description).toBe(true);
      }
    }
    expect(planLinkFaults(SEED, { links: LINKS, ms: FAULT_MS, maxPerGroup: MAX_PER_CLIENT })).toEqual(plan);
  });
});

describe.skipIf(!GO && process.env.CI !== "true")("ABD register with every link through Toxiproxy under latency, resets and stalls, checked by Porcupine", () => {
  const tmp = useCheckerDir("register-proxy-", { toxiproxy: true });
  let toxiproxy: Toxiproxy | undefined;
  const procs = useRunProcesses(async () => {
    await toxiproxy?.stop();
    toxiproxy = undefined;
  });

  it(
    `seed ${SEED}, ${FAULT_MS} ms of link faults: the history of every client is linearizable`,
    { timeout: FAULT_MS + TAIL_MS + CHECK_TIMEOUT_S * 1000 + 60_000 },
    async () => {
      const { dir } = tmp;
      const t0 = performance.now();
      const proxy = await Toxiproxy.start(tmp.toxiproxy, { seed: SEED });
      toxiproxy = proxy;
      const ports = await freePorts(N);
      const listen = new Map(REPLICA_IDS.map((r, i) => [r, `127.0.0.1:${ports[i]}`]));
      const through = async (name: string, r: number) => [r, await proxy.createProxy(name, listen.get(r) as string)] as const;
      const peers = new Map(await Promise.all(REPLICA_IDS.map((r) => through(peerLink(r), r))));
      const set = await registerReplicas(N, join(dir, "state"), { addrs: listen, peers });
      procs.replicas = set;
      await Promise.all(set.ids.map((id) => set.start(id)));

      const histories = CLIENT_IDS.map((c) => join(dir, `history-c${c}.jsonl`));
      for (const c of CLIENT_IDS) {
        const list = await Promise.all(REPLICA_IDS.map((r) => through(clientLink(c, r), r)));
        for (const r of REPLICA_IDS) {
          await proxy.addToxic(clientLink(c, r), FLAKY);
        }
        const args = ["--replicas", list.map(([r, a]) => `${r}=${a}`).join(","), "--id", String(c), "--history", histories[c - 1] as string];
        procs.clients.push(startClient([...args, "--duration-ms", String(FAULT_MS + TAIL_MS), "--keepalive-ms", "500", "--connect-timeout-ms", "1000"]));
      }
      await Promise.all(procs.clients.map((c) => c.ready));

      const plan = planLinkFaults(SEED, { links: LINKS, ms: FAULT_MS, maxPerGroup: MAX_PER_CLIENT });
      const windows = await runLinkFaults(proxy, plan, { ms: FAULT_MS });
      const run = await endCheckedRun(procs.clients, set, tmp, histories, CHECK_TIMEOUT_S);
      procs.clients = [];

      const liveness = livenessFigures(histories);
      const figures = linkFaultFigures(histories, windows, new Map(CLIENT_IDS.map((c) => [`c${c}`, c])));
      const count = (k: string) => windows.filter((w) => w.fault.kind === k).length;
      const summary =
        `seed ${SEED}: ${windows.length} link faults (${count("latency")} latency, ${count("reset")} reset, ${count("stall")} stall; ` +
        `${windows.filter((w) => w.fault.link.group === "replicas").length} on the replicas' links); ${formatLiveness(liveness)}; ${run.verdict}; ` +
        `${Math.round(performance.now() - t0)} ms`;
      console.log(`register proxy faults: ${summary}\n${formatLinkFaultFigures(figures)}${run.failures}`);

      expectCheckedRun(run, set, tmp, summary);
      expect(windows.length, summary).toBe(plan.length);
      // The clients went on through every kind of fault on their links, and after the last one.
      for (const k of ["latency", "reset", "stall"] as const) {
        expect(figures.byKind[k].ok, `${summary}: ${k}`).toBeGreaterThan(0);
      }
      const lastEndNs = Math.max(...windows.map((w) => w.endNs));
      const okAfter = readHistoryLines(histories).filter((l) => l.type === "ok" && l.time > lastEndNs);
      expect(new Set(okAfter.map((l) => l.process)), `${summary}: clients with a success after the last fault`).toEqual(new Set(CLIENT_IDS));
    },
  );
});
