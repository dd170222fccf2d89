// Time held by the test, for calls with deadlines, pauses and intervals: vitest's fake timers
// (setTimeout, clearTimeout, Date, performance), moved only when the test's events say so, never by
// the wall clock, so a loaded machine changes nothing. Sockets stay real: a loopback server answers
// as it does, whatever time it takes; only timers wait for the test.
import { vi } from "vitest";

/** Holds the clock; the returned function gives it back (real timers again). */
export function holdClock(): () => void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
  return () => vi.useRealTimers();
}

export interface DriveOptions {
  /**
   * The longest timer that counts as a pause of the call's own (a retry's backoff, a poll's
   * interval), in ms: each is run out as soon as it is set, while nothing else moves the clock.
   * None by default. Keep it below the call's deadline: a deadline that short would be run out
   * too. The global fetch sets timers of its own (499 ms and 3 s, for its clock and keep-alive):
   * one within `pauseMs` is run out as well, which only moves its own clock on.
   */
  pauseMs?: number;
  /**
   * Resolves once the wire has gone as far as it ever will (a server that never answers has the
   * request; a body that never ends has begun): then, and only then, the clock runs on to `deadlineMs`
   * after the start, where the call's own deadline is.
   */
  stalled?: Promise<unknown>;
  deadlineMs?: number;
}

/**
 * Runs `call` with the clock held (call `holdClock()` first) and moves time only as `options` say:
 * a call that waits on its server never sees its deadline pass meanwhile, however slow the machine.
 * Resolves or rejects as the call does.
 */
export async function drive<T>(call: () => Promise<T>, options: DriveOptions = {}): Promise<T> {
  const { pauseMs = -1, deadlineMs } = options;
  const pauses: number[] = [];
  let wake = () => {};
  const faked = globalThis.setTimeout;
  const spy = vi.spyOn(globalThis, "setTimeout").mockImplementation(((
    handler: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    if ((ms ?? 0) <= pauseMs) (pauses.push(ms ?? 0), wake());
    return faked(handler, ms, ...args);
  }) as typeof setTimeout);
  const started = Date.now();
  let settled = false;
  let stalled = false;
  try {
    const running = call();
    const done = running.then(
      () => void (settled = true),
      () => void (settled = true),
    );
    const stall = options.stalled?.then(() => void (stalled = true));
    for (let deadlinePassed = false; ;) {
      if (settled) return await running;
      const pause = pauses.shift();
      if (pause !== undefined) {
        await vi.advanceTimersByTimeAsync(pause);
        continue;
      }
      if (stalled && !deadlinePassed && deadlineMs !== undefined) {
        deadlinePassed = true;
        await vi.advanceTimersByTimeAsync(Math.max(0, started + deadlineMs - Date.now()));
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        void done.then(resolve);
        if (!deadlinePassed) void stall?.then(resolve);
      });
    }
  } finally {
    spy.mockRestore();
  }
}

/** Resolves on the event loop's next turn: every nextTick and microtask queued before has run (an unhandledRejection, a process warning). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
