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
