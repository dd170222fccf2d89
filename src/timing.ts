// Time in one place: the longest timer, a wait that a signal can end, and the check of every
// duration option (a whole number of milliseconds, within what setTimeout keeps).

/** The longest delay setTimeout keeps (2^31 − 1 ms, about 24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `value` when it is a whole number of milliseconds from `min` to `max` (setTimeout's limit by
 * default); otherwise a TypeError that names the option and the rule, `where` first.
 */
export function wholeMs(value: unknown, name: string, where: string, min = 1, max = MAX_TIMER_MS): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === MAX_TIMER_MS && min > 1 ? `at least ${min}` : `from ${min} to ${max}`;
    throw new TypeError(`${where ? `${where}: ` : ""}${name} must be a whole number of milliseconds ${range}`);
  }
  return value;
}

/** Waits `ms`, unless `signal` aborts first; resolves whether the whole wait passed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (passed: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(passed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `promise`, or `signal`'s reason as soon as it aborts, whatever `promise` does (its late rejection is swallowed). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener("abort", onAbort), reject(error)),
    );
  });
}

/** A deadline: `expire` is called once its time has passed, unless `unwatch`ed first. */
export interface Watched {
  expire(): void;
  /** When it is due, on the watchdog's clock (set by `watch`). */
  dueAt?: number;
  /** Clears its own timer (set by `watch` when timers were replaced: see `watch`). */
  cancel?: () => void;
}

/** The timers and the clock a watchdog runs on; called as plain functions. */
export interface WatchdogTimers {
  setTimeout: (handler: () => void, ms: number) => unknown;
  clearTimeout: (timer: never) => void;
  /** A monotonic clock in milliseconds (`performance.now()`): a wall clock can be set back. */
  now: () => number;
}

/**
 * One timer for many deadlines, armed at the earliest: a timer of each call cost about 15 k
 * instructions a call (Node makes and drops a timer list per duration), 1-2 % of a call (measured
 * with `npm run bench`). The timer keeps the process alive only while a deadline is pending.
 */
export function createWatchdog({ setTimeout: set, clearTimeout: clear, now }: WatchdogTimers) {
  const pending = new Set<Watched>();
  let timer: unknown;
  let armedAt = Infinity;
  const arm = (at: number) => {
    if (timer !== undefined) clear(timer as never);
    armedAt = at;
    timer = set(() => expireDue(at), Math.max(0, Math.ceil(at - now())));
  };
  // The timer armed for `at` fired: every deadline due by then expires (`at` counts as now: a
  // timer can fire a little before the clock reads its time), and the timer is armed for the next.
  const expireDue = (at: number) => {
    timer = undefined;
    armedAt = Infinity;
    const time = Math.max(now(), at);
    let next = Infinity;
    for (const entry of pending) {
      const dueAt = entry.dueAt ?? 0;
      if (dueAt <= time) {
        pending.delete(entry);
        entry.expire();
      } else next = Math.min(next, dueAt);
    }
    if (next !== Infinity && next < armedAt) arm(next);
  };
  // Node's timers can stop keeping the process alive; a browser's have no such thing.
  const keepAlive = (alive: boolean) => {
    const handle = timer as { ref?: () => void; unref?: () => void } | undefined;
    if (alive) handle?.ref?.();
    else handle?.unref?.();
  };
  return {
    watch(entry: Watched, ms: number): void {
      const dueAt = now() + ms;
      entry.dueAt = dueAt;
      pending.add(entry);
      if (dueAt < armedAt) arm(dueAt);
      else if (pending.size === 1) keepAlive(true);
    },
    unwatch(entry: Watched): void {
      pending.delete(entry);
      if (pending.size === 0) keepAlive(false);
    },
  };
}

// The global timers as they were when this module loaded: the calls' deadlines share one timer on
// them. Timers replaced since (a test's fake timers, an agent's wrapper) may count, clear, run or
// move timers themselves (`vi.getTimerCount()`, `vi.clearAllTimers()`, `vi.runOnlyPendingTimers()`),
// so a deadline watched under them gets a timer of its own on them, as each deadline once did.
// (Timers faked before this module loads are its own: the deadlines then share one fake timer.)
const ownSetTimeout = globalThis.setTimeout;
const shared = createWatchdog({
  setTimeout: ownSetTimeout,
  clearTimeout: globalThis.clearTimeout,
  now: performance.now.bind(performance),
});

/** Starts watching `entry`, due in `ms`; `unwatch` it once its call ends. */
export function watch(entry: Watched, ms: number): void {
  if (globalThis.setTimeout === ownSetTimeout) return shared.watch(entry, ms);
  const clear = globalThis.clearTimeout;
  const timer = globalThis.setTimeout(() => entry.expire(), ms);
  entry.cancel = () => clear(timer);
}

/** Stops watching `entry`: its call ended. */
export function unwatch(entry: Watched): void {
  if (entry.cancel) entry.cancel();
  else shared.unwatch(entry);
}
