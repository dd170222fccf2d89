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

/** A deadline the shared timer watches: `expire` is called once its time has passed. */
export interface Watched {
  /** When it is due, on `performance.now()`'s clock (set by `watch`): the wall clock can be set back. */
  dueAt?: number;
  expire(): void;
}

// One timer watches every pending call's deadline, armed at the earliest: a timer of each call
// cost about 15 k instructions a call (Node makes and drops a timer list per duration), 1-2 % of a
// call (measured with `npm run bench`). It keeps the process alive only while a call is pending.
const pending = new Set<Watched>();
let timer: ReturnType<typeof setTimeout> | undefined;
let armedAt = Infinity;
// The setTimeout it was armed with: a test that swaps in fake timers (or back) gets it re-armed
// with the new ones, so that fake time ends a call as a timer of its own would.
let armedWith: typeof setTimeout | undefined;
let clearWith: typeof clearTimeout = clearTimeout;

/** Starts watching `entry`, due in `ms`; `unwatch` it once its call ends. */
export function watch(entry: Watched, ms: number): void {
  const dueAt = performance.now() + ms;
  entry.dueAt = dueAt;
  pending.add(entry);
  if (dueAt < armedAt || globalThis.setTimeout !== armedWith) arm(dueAt);
  else if (pending.size === 1) refTimer(true);
}

/** Stops watching `entry`; with nothing left to watch, the timer no longer keeps the process alive. */
export function unwatch(entry: Watched): void {
  pending.delete(entry);
  if (pending.size === 0) refTimer(false);
}

function arm(at: number): void {
  if (timer !== undefined) clearWith(timer);
  armedWith = globalThis.setTimeout;
  clearWith = globalThis.clearTimeout;
  armedAt = at;
  timer = armedWith(() => expireDue(at), Math.max(0, Math.ceil(at - performance.now())));
}

/** The timer armed for `at` fired: every deadline due by then expires, and the timer is armed
 *  again for the next one. */
function expireDue(at: number): void {
  timer = undefined;
  armedAt = Infinity;
  const now = Math.max(performance.now(), at);
  let next = Infinity;
  for (const entry of pending) {
    const dueAt = entry.dueAt ?? 0;
    if (dueAt <= now) {
      pending.delete(entry);
      entry.expire();
    } else next = Math.min(next, dueAt);
  }
  if (next !== Infinity) arm(next);
}

/** Node's timers can stop keeping the process alive; a browser's have no such thing. */
function refTimer(alive: boolean): void {
  const handle = timer as { ref?: () => void; unref?: () => void } | undefined;
  if (alive) handle?.ref?.();
  else handle?.unref?.();
}
