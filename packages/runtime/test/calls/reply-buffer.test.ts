/**
 * ReplyBuffer's two ways to read a call's replies (unit, no network): the
 * async iterator and `follow`, the callback reader the terminal methods use
 * (issue 6). A follower sees every reply from the first, those pushed before
 * it started included; returning true stops it as a `break` would (onClose
 * with early = true) and it sees nothing more; the end closes the others with
 * early = false; a follower that starts after the end sees every reply and
 * closes; one follower's stop does not take a reply from another, nor from
 * an iterator reading at the same time; when a stop ends the call, the
 * other followers still saw the reply that did it.
 */
import { describe, expect, it } from "vitest";
import type { NodeResponse } from "../../src/calls/node-response.js";
import { ReplyBuffer } from "../../src/calls/reply-buffer.js";

const ok = (nodeID: number): NodeResponse<string> => ({ nodeID, value: `v${nodeID}` });

/** A follower that records what it saw and stops after `stopAfter` replies. */
function recorder(stopAfter = Infinity) {
  const seen: number[] = [];
  const closed: boolean[] = [];
  return {
    seen,
    closed,
    onReply: (r: NodeResponse<string>) => {
      seen.push(r.nodeID);
      return seen.length >= stopAfter;
    },
    onClose: (early: boolean) => closed.push(early),
  };
}

describe("ReplyBuffer.follow", () => {
  it("replays the replies pushed before it, then follows live ones; the end closes it (early = false)", () => {
    const buf = new ReplyBuffer<string>();
    buf.push(ok(1));
    const f = recorder();
    buf.follow(f.onReply, f.onClose);
    expect(f.seen).toEqual([1]);
    buf.push(ok(2));
    buf.push(ok(3));
    expect(f.seen).toEqual([1, 2, 3]);
    expect(f.closed).toEqual([]);
    buf.end();
    expect(f.closed).toEqual([false]);
    buf.push(ok(4)); // after the end: ignored
    expect(f.seen).toEqual([1, 2, 3]);
  });

  it("returning true stops the follower (early = true) and it sees nothing more", () => {
    const buf = new ReplyBuffer<string>();
    const f = recorder(2);
    buf.follow(f.onReply, f.onClose);
    buf.push(ok(1));
    buf.push(ok(2));
    expect(f.closed).toEqual([true]);
    buf.push(ok(3));
    buf.end();
    expect(f.seen).toEqual([1, 2]);
    expect(f.closed).toEqual([true]);
  });

  it("satisfied by the replies already there: stops at once, without waiting for a push", () => {
    const buf = new ReplyBuffer<string>();
    buf.push(ok(1));
    buf.push(ok(2));
    buf.push(ok(3));
    const f = recorder(2);
    buf.follow(f.onReply, f.onClose);
    expect(f.seen).toEqual([1, 2]);
    expect(f.closed).toEqual([true]);
  });

  it("a follower that starts after the end sees every reply, then closes (early = false)", () => {
    const buf = new ReplyBuffer<string>();
    buf.push(ok(1));
    buf.push(ok(2));
    buf.end();
    const f = recorder();
    buf.follow(f.onReply, f.onClose);
    expect(f.seen).toEqual([1, 2]);
    expect(f.closed).toEqual([false]);
  });

  it("one follower stopping takes no reply from another follower or from an iterator", async () => {
    const buf = new ReplyBuffer<string>();
    const first = recorder(1);
    const all = recorder();
    buf.follow(first.onReply, first.onClose);
    buf.follow(all.onReply, all.onClose);
    const iterated: number[] = [];
    const it = buf.iterator(() => {});
    const reading = (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) {
          return;
        }
        iterated.push(r.value.nodeID);
      }
    })();
    buf.push(ok(1));
    buf.push(ok(2));
    buf.push(ok(3));
    buf.end();
    await reading;
    expect(first.seen).toEqual([1]);
    expect(first.closed).toEqual([true]);
    expect(all.seen).toEqual([1, 2, 3]);
    expect(all.closed).toEqual([false]);
    expect(iterated).toEqual([1, 2, 3]);
  });

  it("a follower whose stop ends the call: the others see that reply first, then close with early = false", () => {
    const buf = new ReplyBuffer<string>();
    const other = recorder();
    // The first follower ends the buffer when satisfied, as CallRun does when its last reader stops.
    buf.follow(
      () => true,
      () => buf.end(),
    );
    buf.follow(other.onReply, other.onClose);
    // The push satisfies the first follower, whose stop ends the call.
    buf.push(ok(1));
    expect(other.seen).toEqual([1]);
    expect(other.closed).toEqual([false]);
    buf.push(ok(2));
    expect(other.seen).toEqual([1]);
  });
});
