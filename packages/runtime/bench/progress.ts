/**
 * The progress line on stderr: "[3/14] QuorumCall (http2, 64 in flight)
 * 1.2 s, 34,567 calls". On a terminal it is rewritten in place (\r) a few
 * times a second; otherwise each step is printed once when it starts.
 */
export class Progress {
  private readonly tty: boolean;
  private step = 0;
  private label = "";
  private startedAt = 0;
  private count: (() => number) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private width = 0;

  constructor(
    private total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = out.isTTY === true;
  }

  /** Adds steps to the total (a step that turns out to need more runs). */
  addSteps(n: number): void {
    this.total += n;
  }

  /** Starts the next step; `count` tells how many calls completed so far. */
  begin(label: string, count?: () => number): void {
    this.finishLine();
    this.step++;
    this.label = label;
    this.startedAt = performance.now();
    this.count = count;
    if (this.tty) {
      this.render();
      this.timer = setInterval(() => this.render(), 250);
      this.timer.unref();
    } else {
      this.out.write(`${this.prefix()}\n`);
    }
  }

  /** Sets how completed calls are counted for the current step. */
  counting(count: () => number): void {
    this.count = count;
  }

  /** Ends the current step. */
  end(): void {
    this.finishLine();
  }

  /** Prints a line of its own (above the progress line on a terminal). */
  note(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    if (this.timer !== undefined) {
      this.render();
    }
  }

  private prefix(): string {
    return `[${this.step}/${this.total}] ${this.label}`;
  }

  private render(): void {
    const secs = ((performance.now() - this.startedAt) / 1000).toFixed(1);
    const calls = this.count === undefined ? "" : `, ${Math.round(this.count()).toLocaleString("en-US")} calls`;
    const line = `${this.prefix()}  ${secs} s${calls}`;
    const pad = Math.max(0, this.width - line.length);
    this.width = line.length;
    this.out.write(`\r${line}${" ".repeat(pad)}`);
  }

  private clear(): void {
    if (this.tty && this.width > 0) {
      this.out.write(`\r${" ".repeat(this.width)}\r`);
      this.width = 0;
    }
  }

  private finishLine(): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    this.clear();
  }
}
