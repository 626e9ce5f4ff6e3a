/**
 * The payload encoder's state between its size and write passes: lengths
 * taken in the order they were recorded, and a long array let go of.
 */
import { describe, expect, it } from "vitest";
import { EncodeState } from "../../src/codec/encode-state.js";

describe("EncodeState", () => {
  it("gives the write pass the lengths in the order the size pass recorded them, a reserved slot where it was reserved", () => {
    const st = new EncodeState();
    const outer = st.reserve();
    st.push(3);
    st.lens[outer] = 10;
    st.push(4);
    expect([st.take(), st.take(), st.take()]).toEqual([10, 3, 4]);
  });

  it("starts each encode from the first slot, and drops an array longer than 4096 slots", () => {
    const st = new EncodeState();
    for (let i = 0; i < 100; i++) {
      st.push(i);
    }
    st.take();
    st.reset();
    expect([st.filled, st.taken, st.lens.length]).toEqual([0, 0, 100]);
    for (let i = 0; i < 5000; i++) {
      st.push(i);
    }
    st.reset();
    expect(st.lens.length).toBe(0);
    st.push(7);
    expect(st.take()).toBe(7);
  });
});
