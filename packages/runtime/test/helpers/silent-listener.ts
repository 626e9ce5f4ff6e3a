/**
 * Addresses on 127.0.0.1 that never answer, for connect timeouts: one
 * whose SYNs go unanswered (a listener in a stopped child process with its
 * accept queue full: the kernel drops further SYNs, as a blackholed
 * network does), and one that completes the TCP handshake but never sends
 * a byte (no HTTP/2 SETTINGS).
 */
import { spawn } from "node:child_process";
import { createServer, type Server, Socket } from "node:net";
import { createInterface } from "node:readline";

/** A listener that does not answer, and how to end it. */
export interface SilentListener {
  /** "127.0.0.1:port". */
  readonly addr: string;
  /** TCP connections it took so far (accepting listeners only). */
  readonly accepted: number;
  stop(): Promise<void>;
}

/** Listens with backlog 1 in a child, SIGSTOPs it, and fills the accept queue: a SYN to `addr` is then never answered. */
export async function unansweredSynListener(): Promise<SilentListener> {
  const script = `const s = require("node:net").createServer(); s.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (l) => resolve(Number(l)));
    child.once("exit", (code) => reject(new Error(`the listener process exited (${code})`)));
  });
  child.kill("SIGSTOP");
  const fillers: Socket[] = [];
  const stop = async () => {
    for (const f of fillers) {
      f.destroy();
    }
    child.kill("SIGKILL");
    await exited;
  };
  // The queue holds backlog + 1 connections; a probe that does not connect shows it is full.
  for (let i = 0; i < 8; i++) {
    const s = new Socket();
    s.on("error", () => {});
    fillers.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      s.connect(port, "127.0.0.1", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) {
      return { addr: `127.0.0.1:${port}`, accepted: 0, stop };
    }
  }
  await stop();
  throw new Error("could not fill the accept queue of a stopped listener");
}

/** A listener that accepts TCP connections and never writes to them. */
export async function mutedListener(): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const a = server.address();
  return {
    addr: `127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}`,
    get accepted() {
      return accepted;
    },
    stop: async () => {
      for (const s of sockets) {
        s.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
