// The sandbox's scheduler (src/sandbox/clock.ts): the manual clock moves only by advance(), runs
// timers in order and waits for the work each one starts; the real clock follows the wall clock
// (here vitest's fake timers, so nothing sleeps).
import { afterEach, describe, expect, it, vi } from "vitest";
import { createClock } from "../src/sandbox/clock.js";

afterEach(() => void vi.useRealTimers());

describe("the manual clock", () => {
  it("moves only by advance, running each timer due in time order, each one's work done before the next", async () => {
    const clock = createClock("manual", 1_000_000);
    const seen: string[] = [];
    clock.at(1_000_300, () => seen.push(`c@${clock.now()}`));
    clock.at(1_000_100, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // real I/O-like work
      seen.push(`a@${clock.now()}`);
    });
    clock.at(1_000_100, () => seen.push(`b@${clock.now()}`)); // same time: in order of scheduling
    const cancelled = clock.at(1_000_200, () => seen.push("cancelled"));
    cancelled.cancel();
    await clock.idle();
    expect(seen).toEqual([]);
    expect(clock.now()).toBe(1_000_000);
    await clock.advance(299);
    expect(seen).toEqual(["a@1000100", "b@1000100"]);
    expect(clock.now()).toBe(1_000_299);
    await clock.advance(1);
    expect(seen).toEqual(["a@1000100", "b@1000100", "c@1000300"]);
  });

  it("runs a timer scheduled for now without advance, and a timer a timer schedules within the same advance", async () => {
    const clock = createClock("manual", 0);
    const seen: number[] = [];
    clock.at(0, () => seen.push(clock.now()));
    await clock.idle();
    expect(seen).toEqual([0]);
    clock.at(10, () => void clock.at(clock.now() + 10, () => seen.push(clock.now())));
    await clock.advance(25);
    expect(seen).toEqual([0, 20]);
  });

  it("rejects idle() and advance() with what a timer threw, once", async () => {
    const clock = createClock("manual", 0);
    clock.at(5, () => {
      throw new Error("drift");
    });
    await expect(clock.advance(10)).rejects.toThrow("drift");
    await expect(clock.idle()).resolves.toBeUndefined();
    clock.track(Promise.reject(new Error("late")));
    await expect(clock.idle()).rejects.toThrow("late");
  });

  it("refuses a negative advance, and advance on the real clock", async () => {
    await expect(createClock("manual", 0).advance(-1)).rejects.toThrow("ms must be a number of milliseconds >= 0");
    await expect(createClock("real").advance(1)).rejects.toThrow('clock: "manual"');
  });
});

describe("the real clock", () => {
  it("fires each timer when the wall clock reaches it, earliest first, and not after clear()", async () => {
    vi.useFakeTimers({ now: 5_000 });
    const clock = createClock("real");
    const seen: number[] = [];
    clock.at(5_200, () => seen.push(Date.now()));
    clock.at(5_100, () => seen.push(Date.now()));
    await vi.advanceTimersByTimeAsync(150);
    expect(seen).toEqual([5_100]);
    await vi.advanceTimersByTimeAsync(50);
    expect(seen).toEqual([5_100, 5_200]);
    clock.at(5_300, () => seen.push(Date.now()));
    clock.clear();
    await vi.advanceTimersByTimeAsync(500);
    expect(seen).toEqual([5_100, 5_200]);
  });
});
