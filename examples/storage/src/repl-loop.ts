// The REPL's read loop: lines from a terminal (with a prompt and line
// history, from node:readline) or from a pipe (each command echoed after
// "> ", so that the transcript reads like a session).
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import type { StorageRepl } from "./repl.js";

/** Where the loop reads and writes. */
export interface LoopIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A terminal: prompt, line editing and history. Otherwise commands are echoed. */
  interactive: boolean;
}

/**
 * Reads command lines until exit/quit, end of input (Ctrl-D) or Ctrl-C, and
 * runs each with the REPL, one at a time: lines that arrive while a command
 * runs wait their turn.
 */
export class ReplLoop {
  private readonly rl: Interface;
  private readonly lines: string[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private atPrompt = false;

  constructor(
    private readonly repl: StorageRepl,
    private readonly io: LoopIO,
  ) {
    this.rl = createInterface({ input: io.input, output: io.output, terminal: io.interactive, historySize: 1000, prompt: "> " });
    this.rl.on("line", (line) => {
      this.lines.push(line);
      this.notify();
    });
    this.rl.on("close", () => {
      this.ended = true;
      this.notify();
    });
    // Ctrl-C at the prompt leaves, like exit.
    this.rl.on("SIGINT", () => {
      io.output.write("\n");
      this.rl.close();
    });
  }

  /**
   * Prints text that comes from elsewhere (a replica's log line), above the
   * prompt if the user is at it, keeping what they were typing.
   */
  print(text: string): void {
    if (this.io.interactive && this.atPrompt) {
      clearLine(this.io.output, 0);
      cursorTo(this.io.output, 0);
      this.io.output.write(`${text}\n`);
      this.rl.prompt(true);
    } else {
      this.io.output.write(`${text}\n`);
    }
  }

  /** Runs commands until the user leaves; closes the input side at the end. */
  async run(): Promise<void> {
    try {
      for (;;) {
        if (this.io.interactive) {
          this.rl.prompt();
        }
        this.atPrompt = true;
        const line = await this.next();
        this.atPrompt = false;
        if (line === undefined) {
          if (this.io.interactive) {
            this.io.output.write("\n");
          }
          return;
        }
        if (line.trim() === "") {
          continue;
        }
        if (!this.io.interactive) {
          this.io.output.write(`> ${line}\n`);
        }
        if ((await this.repl.execute(line)) === "exit") {
          return;
        }
      }
    } finally {
      this.atPrompt = false;
      this.rl.close();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async next(): Promise<string | undefined> {
    while (this.lines.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return this.lines.shift();
  }
}
