// Every way createInstance can fail, as values the caller narrows on `error.kind`.
// They are Error objects (for a stack and a readable message) built by plain functions, and none
// of them ever holds the partner token: text that may carry it goes through `mask` first.

/** One rule of the contract that the settings or the token break. */
export interface Violation {
  /** The setting (`delaySendMessagesMilliseconds`), `partnerToken`, or `settings` for the body as a whole. */
  field: string;
  /** The JSON Schema keyword that failed: `minimum`, `enum`, `additionalProperties`, ... */
  rule: string;
  /** The violation in plain words: `delaySendMessagesMilliseconds must be >= 500`. */
  message: string;
}

interface Failure<Kind extends string> extends Error {
  name: "PartnerApiError";
  kind: Kind;
}

/** The settings or the token break the contract. Nothing was sent. */
export interface InvalidRequestError extends Failure<"invalid-request"> {
  violations: Violation[];
}

interface Answered {
  /** The HTTP status GREEN-API (or a proxy) answered with. */
  status: number;
  /** The request's URL with the partner token masked. */
  url: string;
  /** The `Retry-After` header, when the answer had one. */
  retryAfter?: string;
}

/** GREEN-API's own `{code, description}`, whether inside HTTP 200 or with a 4xx/5xx status. */
export interface ApiError extends Failure<"api">, Answered {
  code: number;
  description: string;
  /** The whole error body, with any fields beyond `code` and `description` (a 466 describes the quota). */
  body: Record<string, unknown>;
}

/** A non-2xx answer that is not GREEN-API's error body: plain text, a proxy's HTML page, nothing. */
export interface HttpError extends Failure<"http">, Answered {
  /** The start of the body, token masked. */
  excerpt: string;
}

/** A 2xx answer that is neither a created instance nor an error: not JSON, empty, `null`, another shape. */
export interface UnexpectedResponseError extends Failure<"unexpected-response">, Answered {
  excerpt: string;
  /** What is wrong with the body, in plain words. */
  reason: string;
}

/** The connection failed, or broke before the whole answer arrived. An instance may have been created. */
export interface NetworkError extends Failure<"network"> {
  url: string;
}

/** No whole answer within `timeoutMs`, or the caller's signal aborted first. An instance may have been created. */
export interface TimeoutError extends Failure<"timeout"> {
  url: string;
  /** `timeout` when `timeoutMs` ran out, `signal` when the caller's signal aborted. */
  by: "timeout" | "signal";
  timeoutMs: number;
}

export type CreateInstanceError =
  | InvalidRequestError
  | ApiError
  | HttpError
  | UnexpectedResponseError
  | NetworkError
  | TimeoutError;

export type ErrorKind = CreateInstanceError["kind"];

type Fields<E extends CreateInstanceError> = Omit<E, keyof Error | "kind">;

/** Builds one of the errors above. `message` must already be free of the token. */
export function failure<E extends CreateInstanceError>(kind: E["kind"], message: string, fields: Fields<E>, cause?: Error): E {
  const error = new Error(message, cause ? { cause } : undefined) as E;
  error.name = "PartnerApiError";
  return Object.assign(error, { kind }, fields);
}

const EXCERPT_LENGTH = 200;

/** Replaces the token, raw and URL-encoded, wherever it stands in a text. */
export function masker(token: string): (text: string) => string {
  const forms = [...new Set([token, encodeURIComponent(token)])].filter(Boolean);
  return (text) => forms.reduce((out, form) => out.split(form).join("***"), text);
}

export function excerpt(text: string, mask: (text: string) => string): string {
  const short = text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
  return mask(short);
}

/**
 * A copy of an error thrown by fetch, with the token masked in its message and stack at every
 * level of its `cause` chain, and only plain diagnostic fields kept (a fetch error may carry the
 * URL, which holds the token, in fields of its own).
 */
export function maskedCause(error: unknown, mask: (text: string) => string, depth = 0): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(mask(source.message));
  copy.name = source.name;
  copy.stack = mask(source.stack ?? "");
  for (const key of ["code", "errno", "syscall"] as const) {
    const value = (source as unknown as Record<string, unknown>)[key];
    if (typeof value === "string" || typeof value === "number") Object.assign(copy, { [key]: value });
  }
  if (source.cause !== undefined && depth < 5) copy.cause = maskedCause(source.cause, mask, depth + 1);
  return copy;
}
