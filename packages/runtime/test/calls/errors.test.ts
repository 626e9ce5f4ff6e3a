/**
 * QuorumCallError, the error quorum calls and multicasts reject with (Go
 * behaviors 26–29, in TypeScript terms): `cause` is the sentinel itself
 * (compare with ===; an Error with the same text is not it), `nodeErrors`
 * keeps each node's error in order and can be searched by code or class
 * (Go's Unwrap / Is / As), the message text follows Go's format, and the
 * sentinels' texts match Go's.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrIncomplete, ErrNodeClosed, ErrSendFailure, ErrSkipNode, ErrStopped, ErrStreamDown, QuorumCallError } from "../../src/index.js";

class CustomError extends Error {
  constructor(readonly detail: number) {
    super(`custom ${detail}`);
  }
}

describe("QuorumCallError", () => {
  it("is an Error whose cause is the sentinel itself", () => {
    const err = new QuorumCallError(ErrIncomplete);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("QuorumCallError");
    expect(err.cause).toBe(ErrIncomplete);
    expect(err.cause).not.toBe(ErrSendFailure);
    // An equal-text error is not the sentinel.
    expect(err.cause === new Error("incomplete call")).toBe(false);
    expect(new QuorumCallError(ErrSendFailure).cause).toBe(ErrSendFailure);
  });

  it("a cause that is a ConnectError keeps its code", () => {
    const canceled = new ConnectError("operation was aborted", Code.Canceled);
    const err = new QuorumCallError(canceled);
    expect(err.cause).toBeInstanceOf(ConnectError);
    expect((err.cause as ConnectError).code).toBe(Code.Canceled);
  });

  it("nodeErrors keeps each node's error, in order, and can be searched by code and class", () => {
    const e1 = new ConnectError("down", Code.Unavailable);
    const e2 = new CustomError(7);
    const e3 = new ConnectError("late", Code.DeadlineExceeded);
    const err = new QuorumCallError(ErrIncomplete, [
      { nodeID: 3, error: e1 },
      { nodeID: 1, error: e2 },
      { nodeID: 2, error: e3 },
    ]);
    expect(err.nodeErrors.length).toBe(3);
    expect(err.nodeErrors.map((e) => e.error)).toEqual([e1, e2, e3]);
    expect(err.nodeErrors.map((e) => e.nodeID)).toEqual([3, 1, 2]);
    expect(err.nodeErrors.some((e) => e.error instanceof ConnectError && e.error.code === Code.DeadlineExceeded)).toBe(true);
    expect(err.nodeErrors.some((e) => e.error instanceof ConnectError && e.error.code === Code.PermissionDenied)).toBe(false);
    const custom = err.nodeErrors.find((e) => e.error instanceof CustomError)?.error as CustomError | undefined;
    expect(custom?.detail).toBe(7);
  });

  it("has Go's message format without counts, and no trailing newline", () => {
    expect(new QuorumCallError(ErrIncomplete).message).toBe("quorum call error: incomplete call (errors: 0)");
    const err = new QuorumCallError(ErrSendFailure, [
      { nodeID: 1, error: new Error("one") },
      { nodeID: 4, error: new Error("four") },
    ]);
    expect(err.message).toBe("quorum call error: send failure (errors: 2)\nnode errors:\n\tnode 1: one\n\tnode 4: four");
    expect(err.counts).toBeUndefined();
  });

  it("with counts, the first line states the cause and the counts", () => {
    const err = new QuorumCallError(ErrIncomplete, [{ nodeID: 2, error: new Error("two") }], { needed: 3, succeeded: 2, failed: 1, skipped: 1, notAnswered: 1 });
    expect(err.message).toBe("quorum call error: incomplete call (2 of 3 needed succeeded, 1 failed, 1 skipped, 1 not answered)\nnode errors:\n\tnode 2: two");
    expect(err.counts).toEqual({ needed: 3, succeeded: 2, failed: 1, skipped: 1, notAnswered: 1 });
    const sent = new QuorumCallError(ErrSendFailure, [{ nodeID: 1, error: new Error("one") }], { succeeded: 2, failed: 1, skipped: 0 });
    expect(sent.message.split("\n")[0]).toBe("quorum call error: send failure (2 succeeded, 1 failed, 0 skipped)");
    expect(sent.message.endsWith("\n")).toBe(false);
  });

  it("sentinels have Go's texts and codes", () => {
    expect(ErrIncomplete.message).toBe("incomplete call");
    expect(ErrSendFailure.message).toBe("send failure");
    expect(ErrSkipNode.message).toBe("skip node");
    expect(ErrStopped.message).toBe("system stopped");
    expect(ErrNodeClosed.code).toBe(Code.Unavailable);
    expect(ErrNodeClosed.rawMessage).toBe("node closed");
    expect(ErrStreamDown.code).toBe(Code.Unavailable);
    expect(ErrStreamDown.rawMessage).toBe("stream is down");
  });
});
