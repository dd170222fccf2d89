/// <reference types="node" />
// The sandbox's time: every timer of the sandbox goes through one scheduler, on a manual clock
// (nothing moves until `advance(ms)`) or the real one. Hand-written rather than
// @sinonjs/fake-timers: its `tickAsync` flushes microtasks only, while a sandbox timer starts real
// loopback I/O (a webhook POST) that must be answered before the clock moves past it, and the
// sandbox must not replace the process's global timers under the test runner's own.
import { MAX_TIMER_MS } from "../timing.js";

/** A scheduled callback; `cancel()` is idempotent. */
export interface Timer {
  readonly at: number;
  cancel(): void;
}

interface Entry extends Timer {
  seq: number;
  fn: () => unknown;
  cancelled: boolean;
}

export interface Clock {
  /** `"manual"`: time moves only by `advance`; `"real"`: the wall clock. */
  readonly kind: "manual" | "real";
  /** The sandbox's time, in milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` at sandbox time `at` (at once if that has passed); a promise it returns is awaited by `idle()`. */
  at(at: number, fn: () => unknown): Timer;
  /** Keeps `work` in what `idle()` waits for (a delivery started outside a timer). */
  track(work: Promise<unknown>): void;
  /** Resolves once no timer is due and no tracked work is running; rejects with the first error a timer or tracked work threw since the last call. */
  idle(): Promise<void>;
  /** Manual clock only: moves time forward by `ms`, running each timer due on the way, in order, each one's work finished before the next. */
  advance(ms: number): Promise<void>;
  /** Cancels every timer (the clock can be used again). */
  clear(): void;
  /** The errors timers and tracked work threw that no `idle()` reported yet; forgets them. */
  failures(): unknown[];
}

/** A binary min-heap of timers by time, then by order of scheduling: 10,000 instances' timers stay cheap. */
class Heap {
  private items: Entry[] = [];
  get size() {
    return this.items.length;
  }
  peek(): Entry | undefined {
    return this.items[0];
  }
  private less(a: Entry, b: Entry) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  push(entry: Entry) {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
  clear() {
    this.items = [];
  }
}

/** A clock: `"manual"` starts at `start` (default: now, whole seconds) and moves only by `advance`. */
export function createClock(kind: "manual" | "real", start = Math.floor(Date.now() / 1000) * 1000): Clock {
  const heap = new Heap();
  const running = new Set<Promise<unknown>>();
  let errors: unknown[] = [];
  let manualNow = start;
  let seq = 0;
  let armed: ReturnType<typeof setTimeout> | undefined;
  let armedAt = Infinity;
  const now = kind === "manual" ? () => manualNow : () => Date.now();

  function track(work: Promise<unknown>) {
    const settled: Promise<unknown> = work.then(
      () => running.delete(settled),
      (error: unknown) => {
        running.delete(settled);
        errors.push(error);
      },
    );
    running.add(settled);
  }

  function run(entry: Entry) {
    try {
      const result = entry.fn();
      if (result instanceof Promise) track(result);
    } catch (error) {
      errors.push(error);
    }
  }

  /** Runs every timer due by now (both clocks); the real clock then re-arms for the next one. */
  function runDue() {
    for (let top = heap.peek(); top && (top.cancelled || top.at <= now()); top = heap.peek()) {
      heap.pop();
      if (!top.cancelled) run(top);
    }
    if (kind === "real") arm();
  }

  function arm() {
    const next = heap.peek();
    const at = next ? next.at : Infinity;
    if (at === armedAt) return;
    if (armed) clearTimeout(armed);
    armed = undefined;
    armedAt = at;
    if (at === Infinity) return;
    armed = setTimeout(
      () => {
        armed = undefined;
        armedAt = Infinity;
        runDue();
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    );
  }

  /** Waits until no tracked work runs (one more turn after, for what it scheduled). */
  async function settle() {
    do {
      while (running.size) await Promise.all(running);
      await new Promise((resolve) => setImmediate(resolve));
    } while (running.size);
  }
  /** Whether a timer is due now (a cancelled one at the top counts: runDue drops it). */
  function dueNow() {
    const top = heap.peek();
    return Boolean(top && (top.cancelled || top.at <= now()));
  }

  let advancing = false;
  let pumping = false;
  /** Manual clock: a timer due already runs on the next turn, not inside the caller's stack. */
  function pumpSoon() {
    if (pumping) return;
    pumping = true;
    setImmediate(() => {
      pumping = false;
      runDue();
    });
  }

  const clock: Clock = {
    kind,
    now,
    at(at, fn) {
      const entry: Entry = {
        at,
        seq: seq++,
        fn,
        cancelled: false,
        cancel() {
          entry.cancelled = true;
        },
      };
      heap.push(entry);
      if (kind === "real") arm();
      else if (at <= manualNow && !advancing) pumpSoon();
      return entry;
    },
    track,
    async idle() {
      do {
        runDue();
        await settle();
      } while (dueNow());
      if (errors.length) {
        const [first] = errors;
        errors = [];
        throw first;
      }
    },
    async advance(ms) {
      if (kind !== "manual") throw new TypeError('advance(ms) needs a sandbox started with clock: "manual"');
      if (!Number.isFinite(ms) || ms < 0) throw new TypeError("advance(ms): ms must be a number of milliseconds >= 0");
      const target = manualNow + ms;
      await clock.idle();
      advancing = true;
      try {
        for (let top = heap.peek(); top; top = heap.peek()) {
          if (top.cancelled) {
            heap.pop();
            continue;
          }
          if (top.at > target) break;
          heap.pop();
          manualNow = Math.max(manualNow, top.at);
          run(top);
          await settle(); // its work (a delivery's round trip) ends before the next timer runs
        }
      } finally {
        advancing = false;
      }
      manualNow = target;
      await clock.idle();
    },
    failures() {
      const taken = errors;
      errors = [];
      return taken;
    },
    clear() {
      heap.clear();
      if (armed) clearTimeout(armed);
      armed = undefined;
      armedAt = Infinity;
    },
  };
  return clock;
}
