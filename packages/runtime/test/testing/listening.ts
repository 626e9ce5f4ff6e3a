/** Whether something accepts TCP connections at "host:port". */
import { connect } from "node:net";

/** Resolves true when a TCP connection to `addr` opens, false when it is refused. */
export function isListening(addr: string): Promise<boolean> {
  const i = addr.lastIndexOf(":");
  return new Promise((resolve) => {
    const socket = connect({ host: addr.slice(0, i), port: Number(addr.slice(i + 1)) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
