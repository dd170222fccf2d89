import { secretFields } from "../generated/operations.js";

// Every way a partner call can fail, as values the caller narrows on `error.kind`.
// They are Error objects (for a stack and a readable message) built by plain functions, and none
// of them ever holds a secret: text that may carry one goes through a masker first.

/** One rule of the contract that a request body breaks. */
export interface Violation {
  /** The field (`delaySendMessagesMilliseconds`, `idInstance`), or `body` for the body as a whole. */
  field: string;
  /** The JSON Schema keyword that failed (`minimum`, `enum`, `additionalProperties`, ...), or `json`. */
  rule: string;
  /** The violation in plain words: `delaySendMessagesMilliseconds must be >= 500`. */
  message: string;
}

/**
 * Whether the request can have reached GREEN-API: `no` (nothing left this process, or the
 * connection was refused), `maybe` (it may have been received: a timeout, a lost connection),
 * `yes` (an answer came back).
 */
export type Sent = "no" | "maybe" | "yes";

interface Failure<Kind extends string> extends Error {
  name: "PartnerApiError";
  kind: Kind;
  /** The method called: `createInstance`, `getInstances` or `deleteInstanceAccount`. */
  operationId: string;
  sent: Sent;
  /** How many requests were made: 0 when nothing was sent, above 1 only for methods safe to retry. */
  attempts: number;
}

/** The request body or the call's options break the contract. Nothing was sent. */
export interface InvalidRequestError extends Failure<"invalid-request"> {
  violations: Violation[];
}

interface Answered {
  /** The HTTP status GREEN-API (or a proxy) answered with. */
  status: number;
  /** The request's URL with the partner token masked. */
  url: string;
  /** The answer's `Retry-After`, parsed (seconds or an HTTP date) into milliseconds from now. */
  retryAfterMs?: number;
}

/** GREEN-API's own `{code, description}`, whether inside HTTP 200 or with a 4xx/5xx status. */
export interface ApiError extends Failure<"api">, Answered {
  code: number;
  /** GREEN-API's text, secrets masked, cut to a readable length. */
  description: string;
  /** The whole error body, secrets masked, with any fields beyond `code` and `description` (a 466 describes the quota). */
  body: Record<string, unknown>;
}

/** A non-2xx answer that is not GREEN-API's error body: plain text, a proxy's HTML page, nothing. */
export interface HttpError extends Failure<"http">, Answered {
  /** The start of the body, secrets masked. */
  excerpt: string;
}

/** A 2xx answer that is not the method's result nor an error: not JSON, empty, too large, another shape. */
export interface UnexpectedResponseError extends Failure<"unexpected-response">, Answered {
  excerpt: string;
  /** What is wrong with the body, in plain words. */
  reason: string;
}

/** The connection failed, or broke before the whole answer arrived. */
export interface NetworkError extends Failure<"network"> {
  url: string;
}

/** No whole answer within `timeoutMs`, or the caller's signal aborted first. */
export interface TimeoutError extends Failure<"timeout"> {
  url: string;
  /** `timeout` when `timeoutMs` ran out, `signal` when the caller's signal aborted. */
  by: "timeout" | "signal";
  timeoutMs: number;
}

export type PartnerClientError = InvalidRequestError | ApiError | HttpError | UnexpectedResponseError | NetworkError | TimeoutError;

/** The errors of createInstance: the same as every other method's. */
export type CreateInstanceError = PartnerClientError;

export type ErrorKind = PartnerClientError["kind"];

/** What a method resolves with: its result, or an error, never both and never a failure as data. */
export type PartnerResult<T> = { data: T; error?: undefined } | { data?: undefined; error: PartnerClientError };

type Fields<E extends PartnerClientError> = Omit<E, keyof Error | "kind">;

/** Builds one of the errors above. `message` must already be free of secrets. */
export function failure<E extends PartnerClientError>(kind: E["kind"], message: string, fields: Fields<E>, cause?: Error): E {
  const error = new Error(message, cause ? { cause } : undefined) as E;
  error.name = "PartnerApiError";
  return Object.assign(error, { kind }, fields);
}

const EXCERPT_LENGTH = 200;
/** Longest text kept from an answer's string value (a 20 MB description is cut to this). */
const TEXT_LENGTH = 1000;
const MASK = "***";
const SECRET_KEYS = new Set<string>(secretFields);
// A secret field's value in raw JSON text; a value cut off by the end of the text is masked too.
const SECRET_IN_JSON = new RegExp(`("(?:${secretFields.join("|")})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)("?)`, "g");
/** Secret values this short are not hunted for elsewhere in a text: they would mask ordinary words. */
const SHORTEST_SECRET = 8;
/** At most this many secret values of one answer are hunted for in the rest of it. */
const MOST_SECRETS = 1000;

export interface Masker {
  /** Masks the partner token, raw and URL-encoded, and secret fields' values (instance tokens) wherever they stand in a text. */
  (text: string): string;
  /** The start of a text, masked before it is cut, so that no piece of a secret survives the cut. */
  excerpt(text: string): string;
  /** A parsed answer with every string masked and every secret field replaced; long strings cut. */
  value(value: unknown): unknown;
}

export function masker(token: string): Masker {
  // The token's rule (spec) allows only characters that JSON never escapes, so a raw and a
  // URL-encoded form are all the forms it can take in a text.
  const forms = [...new Set([token, encodeURIComponent(token)])].filter(Boolean);

  /** The values a text gives its secret fields: masked wherever else they stand in it too. */
  const secretsIn = (text: string) => {
    const found = new Set<string>();
    for (const match of text.matchAll(SECRET_IN_JSON)) {
      if (match[2]!.length >= SHORTEST_SECRET) found.add(match[2]!);
      if (found.size >= MOST_SECRETS) break;
    }
    return [...found];
  };
  const maskWith = (text: string, all: string[]) => {
    let out = text.replace(SECRET_IN_JSON, `$1${MASK}$3`);
    for (const form of all) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  };

  const mask = ((text: string) => maskWith(text, [...forms, ...secretsIn(text)])) as Masker;
  mask.excerpt = (text) => {
    const all = [...forms, ...secretsIn(text)];
    if (text.length <= EXCERPT_LENGTH) return maskWith(text, all);
    const longest = Math.max(...all.map((form) => form.length));
    let window = maskWith(text.slice(0, EXCERPT_LENGTH + longest + 64), all);
    // A secret that the window's end cuts in two leaves its first part: drop it.
    for (const form of all)
      for (let k = Math.min(form.length - 1, window.length); k > 0; k--)
        if (window.endsWith(form.slice(0, k))) {
          window = window.slice(0, -k);
          break;
        }
    return `${window.slice(0, EXCERPT_LENGTH)}…`;
  };
  mask.value = (value) => {
    const found = new Set<string>();
    const collect = (node: unknown, depth: number) => {
      if (node === null || typeof node !== "object" || depth > 16 || found.size >= MOST_SECRETS) return;
      for (const [key, item] of Object.entries(node).slice(0, 100)) {
        if (SECRET_KEYS.has(key) && typeof item === "string" && item.length >= SHORTEST_SECRET) found.add(item);
        collect(item, depth + 1);
      }
    };
    collect(value, 0);
    const all = [...forms, ...found];
    const walk = (node: unknown, depth: number): unknown => {
      if (typeof node === "string") return cut(maskWith(node, all));
      if (node === null || typeof node !== "object") return node;
      if (depth > 16) return "[nested too deep]";
      if (Array.isArray(node)) return node.slice(0, 100).map((item) => walk(item, depth + 1));
      const entries = Object.entries(node).slice(0, 100);
      return Object.fromEntries(entries.map(([key, item]) => [key, SECRET_KEYS.has(key) ? MASK : walk(item, depth + 1)]));
    };
    return walk(value, 0);
  };
  return mask;
}

export function cut(text: string, length = TEXT_LENGTH): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** `String(value)` that never throws (an object with no prototype, a throwing `toString`). */
export function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A copy of an error thrown by fetch, with secrets masked in its message and stack at every
 * level of its `cause` chain, and only plain diagnostic fields kept (a fetch error may carry the
 * URL, which holds the token, in fields of its own). Anything thrown, of any type, is accepted.
 */
export function maskedCause(error: unknown, mask: (text: string) => string, depth = 0): Error {
  const source = error instanceof Error ? error : new Error(describe(error));
  const copy = new Error(cut(mask(describe(source.message))));
  copy.name = describe(source.name);
  copy.stack = mask(typeof source.stack === "string" ? source.stack : "");
  for (const key of ["code", "errno", "syscall"] as const) {
    const value = (source as unknown as Record<string, unknown>)[key];
    if (typeof value === "string" || typeof value === "number") Object.assign(copy, { [key]: value });
  }
  if (source.cause !== undefined && depth < 5) copy.cause = maskedCause(source.cause, mask, depth + 1);
  return copy;
}
