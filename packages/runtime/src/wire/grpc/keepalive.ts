import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { DEFAULT_KEEPALIVE_TIMEOUT_MS, type KeepaliveOptions } from "../keepalive-options.js";

/**
 * Pings `session` (a dialed one, or one a server accepted) per `options`
 * while `active()` says so; destroys it with Unavailable when a PING goes
 * unanswered. Stops when the session closes. The timers never keep the
 * process alive.
 */
export function keepSessionAlive(session: http2.Http2Session, options: KeepaliveOptions, active: () => boolean): void {
  const intervalMs = Math.max(10, options.intervalMs);
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
  let waiting: NodeJS.Timeout | undefined;
  const tick = setInterval(() => {
    if (waiting !== undefined || session.closed || session.destroyed || !active()) {
      return;
    }
    const timer = setTimeout(() => {
      session.destroy(new ConnectError(`keepalive: no answer to a PING within ${timeoutMs} ms`, Code.Unavailable));
    }, timeoutMs);
    timer.unref();
    waiting = timer;
    try {
      session.ping(() => {
        // Acknowledged, or the session went away: either way this PING is settled.
        clearTimeout(timer);
        waiting = undefined;
      });
    } catch {
      // Too many unacknowledged PINGs or a session closing: the timer decides.
    }
  }, intervalMs);
  tick.unref();
  session.once("close", () => {
    clearInterval(tick);
    if (waiting !== undefined) {
      clearTimeout(waiting);
    }
  });
}
