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

/** The scheduler behind both clocks; the real one arms a single setTimeout for its earliest timer. */
class Scheduler implements Clock {
  private readonly heap = new Heap();
  private readonly running = new Set<Promise<unknown>>();
  private errors: unknown[] = [];
  private seq = 0;
  private armed: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;
  private advancing = false;
  private pumping = false;

  constructor(
    readonly kind: "manual" | "real",
    private manualNow: number,
  ) {}

  now(): number {
    return this.kind === "manual" ? this.manualNow : Date.now();
  }

  at(at: number, fn: () => unknown): Timer {
    const entry: Entry = {
      at,
      seq: this.seq++,
      fn,
      cancelled: false,
      cancel() {
        entry.cancelled = true;
      },
    };
    this.heap.push(entry);
    if (this.kind === "real") this.arm();
    else if (at <= this.manualNow && !this.advancing) this.pumpSoon();
    return entry;
  }

  track(work: Promise<unknown>): void {
    const settled: Promise<unknown> = work.then(
      () => this.running.delete(settled),
      (error: unknown) => {
        this.running.delete(settled);
        this.errors.push(error);
      },
    );
    this.running.add(settled);
  }

  async idle(): Promise<void> {
    do {
      this.runDue();
      await this.settle();
    } while (this.dueNow());
    const [first] = this.failures();
    if (first !== undefined) throw first;
  }

  async advance(ms: number): Promise<void> {
    if (this.kind !== "manual") throw new TypeError('advance(ms) needs a sandbox started with clock: "manual"');
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError("advance(ms): ms must be a number of milliseconds >= 0");
    const target = this.manualNow + ms;
    await this.idle();
    this.advancing = true;
    try {
      for (let top = this.heap.peek(); top; top = this.heap.peek()) {
        if (top.cancelled) {
          this.heap.pop();
          continue;
        }
        if (top.at > target) break;
        this.heap.pop();
        this.manualNow = Math.max(this.manualNow, top.at);
        this.run(top);
        await this.settle(); // its work (a delivery's round trip) ends before the next timer runs
      }
    } finally {
      this.advancing = false;
    }
    this.manualNow = target;
    await this.idle();
  }

  failures(): unknown[] {
    const taken = this.errors;
    this.errors = [];
    return taken;
  }

  clear(): void {
    this.heap.clear();
    if (this.armed) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedAt = Infinity;
  }

  private run(entry: Entry) {
    try {
      const result = entry.fn();
      if (result instanceof Promise) this.track(result);
    } catch (error) {
      this.errors.push(error);
    }
  }

  /** Whether a timer is due now (a cancelled one at the top counts: runDue drops it). */
  private dueNow() {
    const top = this.heap.peek();
    return Boolean(top && (top.cancelled || top.at <= this.now()));
  }

  /** Runs every timer due by now (both clocks); the real clock then re-arms for the next one. */
  private runDue() {
    for (let top = this.heap.peek(); top && (top.cancelled || top.at <= this.now()); top = this.heap.peek()) {
      this.heap.pop();
      if (!top.cancelled) this.run(top);
    }
    if (this.kind === "real") this.arm();
  }

  /** Waits until no tracked work runs (and one more turn, for what it scheduled). */
  private async settle() {
    do {
      while (this.running.size) await Promise.all(this.running);
      await new Promise((resolve) => setImmediate(resolve));
    } while (this.running.size);
  }

  /** Real clock: one setTimeout, for the earliest timer. */
  private arm() {
    const next = this.heap.peek();
    const at = next ? next.at : Infinity;
    if (at === this.armedAt) return;
    if (this.armed) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedAt = at;
    if (at === Infinity) return;
    this.armed = setTimeout(
      () => {
        this.armed = undefined;
        this.armedAt = Infinity;
        this.runDue();
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    );
  }

  /** Manual clock: a timer due already runs on the next turn, not inside the caller's stack. */
  private pumpSoon() {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      this.runDue();
    });
  }
}

/** A clock: `"manual"` starts at `start` (default: now, whole seconds) and moves only by `advance`. */
export function createClock(kind: "manual" | "real", start = Math.floor(Date.now() / 1000) * 1000): Clock {
  return new Scheduler(kind, start);
}
