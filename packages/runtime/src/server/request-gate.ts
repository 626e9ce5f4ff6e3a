/**
 * Counts the requests a server is handling and, once the server drains,
 * admits no new ones: what `Server.stop({ graceMs })` waits on.
 */
export class RequestGate {
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | undefined;

  /** Whether a new request may start; if so, `done()` must follow. */
  admit(): boolean {
    if (this.draining) {
      return false;
    }
    this.inFlight++;
    return true;
  }

  /** An admitted request finished. */
  done(): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      this.idle?.();
    }
  }

  /** Admits nothing more; resolves when the requests in flight are done, or after `graceMs`. */
  drain(graceMs: number): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
