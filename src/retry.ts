// The retry decision, in one place: which failures are sent again, after how long, and when
// the call gives up. Only methods the spec marks `x-retry-safe` are ever resent.
import { transientStatuses } from "../generated/operations.js";
import type { PartnerClientError, PartnerResult } from "./errors.js";
import type { RetryOptions } from "./executor.js";
import { wholeMs } from "./timing.js";

export type RetryPolicy = Required<RetryOptions>;

const DEFAULT_RETRY: RetryPolicy = { attempts: 3, delayMs: 500, maxDelayMs: 10_000 };

/** Retry options checked and completed with the defaults; `undefined` when retries are off. Throws a `TypeError` naming a bad one. */
export function retryPolicy(retry: RetryOptions | false | undefined, where: string): RetryPolicy | undefined {
  if (retry === false) return undefined;
  const given = Object.entries(retry ?? {}).filter(([, value]) => value !== undefined);
  const policy = { ...DEFAULT_RETRY, ...Object.fromEntries(given) } as RetryPolicy;
  for (const [key, value] of Object.entries(policy))
    if (key === "attempts") {
      if (!Number.isInteger(value) || value < 1 || value > 100)
        throw new TypeError(`${where}: retry.attempts must be a whole number from 1 to 100`);
    } else wholeMs(value, `retry.${key}`, where, 0);
  return policy;
}

/**
 * How long to wait before sending attempt `number + 1`, in milliseconds, or `undefined` to end
 * the call with this outcome: no error, no policy (a method never resent), attempts used up, a
 * failure that will not pass by itself, a `Retry-After` longer than `maxDelayMs`, or a wait that
 * would end past the deadline `endsAt` (epoch milliseconds).
 */
export function retryWait(
  policy: RetryPolicy | undefined,
  outcome: { result: PartnerResult<unknown>; transport: boolean },
  number: number,
  endsAt: number,
  now = Date.now(),
  random = Math.random,
): number | undefined {
  const { error } = outcome.result;
  if (!error || !policy || number >= policy.attempts) return undefined;
  // Only a transport failure, or a status the spec calls transient, is sent again.
  if (!outcome.transport && !transientAnswer(error)) return undefined;
  const { retryAfterMs } = error as { retryAfterMs?: number };
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return undefined;
  const backoff = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** (number - 1)) * (0.5 + random() / 2);
  const wait = retryAfterMs ?? backoff;
  return now + wait >= endsAt ? undefined : wait;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; anything else is dropped. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  if (text.length > 40 || !/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isTransient(status: number): boolean {
  if (!(status >= 100 && status <= 599)) return false; // not an HTTP status: nothing to wait out
  const text = String(status);
  return transientStatuses.some(
    (pattern) => pattern === text || (pattern.endsWith("XX") && pattern[0] === text[0] && text.length === 3),
  );
}

/** An answer whose status (or GREEN-API's code) the spec calls transient: worth sending again. */
export function transientAnswer(error: PartnerClientError): boolean {
  if (error.kind === "api") return isTransient(error.code) || isTransient(error.status);
  return error.kind === "http" && isTransient(error.status);
}
