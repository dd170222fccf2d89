import { secretFields } from "../generated/operations.js";
import type { components } from "../generated/types.js";

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
  /** What went wrong, the field to narrow on. */
  kind: Kind;
  /** The method called, by its operationId in the spec: `createInstance`, `getStateInstance`, ... */
  operationId: string;
  /** Whether the request can have reached GREEN-API, decided from what happened on the wire (see `Sent`). */
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
  /** The request's URL with every secret (the partner token, an instance's token) masked as `***`. */
  url: string;
  /** The answer's `Retry-After`, parsed (seconds or an HTTP date) into milliseconds from the moment it arrived. */
  retryAfterMs?: number;
}

/** One quota of a 466's body (one of its quota fields: `quotaFields` of generated/operations.js), secrets masked. */
export type QuotaStatus = components["schemas"]["QuotaStatus"];
/** A 466's body: its quota objects by field, as the spec's QuotaExceededError gives them. */
export type QuotaExceeded = components["schemas"]["QuotaExceededError"];

/**
 * GREEN-API's own error: `{code, description}`, inside HTTP 200 or with a 4xx/5xx status; or a
 * 466's quota objects, which have no `code` (then `code` is the status, 466, and `quota` says
 * which quota ran out).
 */
export interface ApiError extends Failure<"api">, Answered {
  /** GREEN-API's error code (`401`, `404`, ...); for a quota body, the HTTP status. */
  code: number;
  /** GREEN-API's text, secrets masked, cut to a readable length. */
  description: string;
  /** The whole error body, secrets masked, with any fields beyond `code` and `description`. */
  body: Record<string, unknown>;
  /** A 466's quota objects, as GREEN-API's "466 error body" page documents them; absent otherwise. */
  quota?: QuotaExceeded;
}

/** A non-2xx answer that is not GREEN-API's error body: plain text, a proxy's HTML page, nothing. */
export interface HttpError extends Failure<"http">, Answered {
  /** The start of the body (at most 200 characters), secrets masked; `""` for no body. */
  excerpt: string;
}

/**
 * A 2xx answer that is not the method's result nor an error: not JSON, empty, too large, another
 * shape; or an answer that could not be read (a middleware of the caller's threw: its error is the `cause`).
 */
export interface UnexpectedResponseError extends Failure<"unexpected-response">, Answered {
  /** The start of the body (at most 200 characters), secrets masked. */
  excerpt: string;
  /** What is wrong with the body, in plain words. */
  reason: string;
}

/**
 * The connection failed (`sent: "no"`), broke before the answer (`"maybe"`) or while its body was
 * read (`"yes"`); or the request failed before any was made (`"no"`: a middleware threw, say).
 */
export interface NetworkError extends Failure<"network"> {
  /** The request's URL, secrets masked. */
  url: string;
}

/** No whole answer within `timeoutMs`, or the caller's signal aborted first (or before the call). */
export interface TimeoutError extends Failure<"timeout"> {
  /** The request's URL, secrets masked. */
  url: string;
  /** `timeout` when `timeoutMs` ran out, `signal` when the caller's signal aborted. */
  by: "timeout" | "signal";
  /** The time limit the call had, in milliseconds (the `timeoutMs` in force), not the time that passed. */
  timeoutMs: number;
}

export type PartnerClientError =
  InvalidRequestError | ApiError | HttpError | UnexpectedResponseError | NetworkError | TimeoutError;

/** The errors of createInstance: the same as every other method's. */
export type CreateInstanceError = PartnerClientError;

export type ErrorKind = PartnerClientError["kind"];

/** What a method resolves with: its result, or an error, never both and never a failure as data. */
export type PartnerResult<T> = { data: T; error?: undefined } | { data?: undefined; error: PartnerClientError };

type Fields<E extends PartnerClientError> = Omit<E, keyof Error | "kind">;

/** Builds one of the errors above. `message` must already be free of secrets. */
export function failure<E extends PartnerClientError>(
  kind: E["kind"],
  message: string,
  fields: Fields<E>,
  cause?: Error,
): E {
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
/** At most this many fields of an answer are searched for secret fields. */
const MOST_NODES = 200_000;

export interface Masker {
  /** Masks each secret in every written form (raw, percent-encoded in either case, JSON-escaped) and secret fields' values (instance tokens) wherever they stand in a text. */
  (text: string): string;
  /** The start of a text, masked before it is cut, so that no piece of a secret survives the cut. */
  excerpt(text: string): string;
  /** A parsed answer with every string masked and every secret field replaced; long strings cut. */
  value(value: unknown): unknown;
  /** `text` masked, and cut, with the secret fields' values of `answer` (wherever they stand in it) hunted for too. */
  within(answer: unknown, text: string): string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
/** A hex digit in either case: `%3a` and `%3A` are the same escape. */
const hexDigit = (digit: string) => (/[a-f]/i.test(digit) ? `[${digit.toLowerCase()}${digit.toUpperCase()}]` : digit);
const hex = (text: string) => [...text].map(hexDigit).join("");

/**
 * Every form one character of a secret can take in a text an encoder or a decoder wrote: itself,
 * percent-encoded (once or twice, either case, as its UTF-8 bytes) and JSON-escaped (`\u003a`).
 */
function characterForms(char: string): string {
  const bytes = [...new TextEncoder().encode(char)].map((byte) => byte.toString(16).padStart(2, "0"));
  const percent = bytes.map((byte) => `%(?:25)?${hex(byte)}`).join("");
  const code = char.codePointAt(0)!;
  const json = code < 0x10000 ? `|\\\\u${code.toString(16).padStart(4, "0")}` : "";
  // HTML escapes, as an error page writes them: &#39; &#x27; and the named ones of & and '.
  const named = char === "&" ? "|&amp;" : char === "'" ? "|&apos;" : "";
  const html = /[a-z0-9]/i.test(char) ? "" : `|&#0*${code};|&#x0*${code.toString(16)};${named}`;
  return `(?:${escapeRegExp(char)}|${percent}${json}${html})`;
}

/** A text's end that could be the first part of a secret; or a cut-off escape (`%3`, `\u00`). */
function prefixAtEnd(secret: string): RegExp {
  const chars = [...secret].map(characterForms);
  const nested = chars.slice(1).reduceRight((inner, char) => `(?:${char}${inner})?`, "");
  return new RegExp(
    `${chars[0]}${nested}(?:%(?:2(?:5)?)?[0-9a-fA-F]?|\\\\(?:u[0-9a-fA-F]{0,3})?|&#?[0-9a-zA-Z]*)?$`,
    "i",
  );
}

/**
 * Masks `secrets` (the partner token, an instance's token) in every form they can be written in,
 * and the values of the spec's secret fields (`x-secret`) found in a text, wherever else they stand.
 */
/** The values a JSON text gives its secret fields (`x-secret`: webhookUrlToken, apiTokenInstance), long enough to hunt for. */
export function secretValuesIn(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(SECRET_IN_JSON)) {
    if (match[2]!.length >= SHORTEST_SECRET) found.add(match[2]!);
    if (found.size >= MOST_SECRETS) break;
  }
  return [...found];
}

export function masker(secrets: string | readonly string[]): Masker {
  const known = [...new Set(typeof secrets === "string" ? [secrets] : secrets)].filter(Boolean);
  const longest = Math.max(0, ...known.map((secret) => secret.length));
  // Compiled on first use: a call that succeeds never prints anything, and these patterns are
  // the costliest part of a call (each character of each secret in every written form).
  let compiled: { anyForm: RegExp | undefined; prefixes: RegExp[] } | undefined;
  const patterns = () =>
    (compiled ??= {
      // Case-insensitive: an escape's hex digits come in either case, and a server may change a token's.
      anyForm: known.length
        ? new RegExp(known.map((secret) => [...secret].map(characterForms).join("")).join("|"), "gi")
        : undefined,
      prefixes: known.map(prefixAtEnd),
    });

  /** The values a text gives its secret fields: masked wherever else they stand in it too. */
  const secretsIn = secretValuesIn;
  // Secret fields' values are masked as they stand and URL-encoded; the configured secrets in every form.
  const maskWith = (text: string, values: string[]) => {
    let out = text.replace(SECRET_IN_JSON, `$1${MASK}$3`);
    const { anyForm } = patterns();
    if (anyForm) out = out.replace(anyForm, MASK);
    for (const value of values)
      for (const form of new Set([value, uriEncoded(value) ?? value]))
        if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  };

  const mask = ((text: string) => maskWith(text, secretsIn(text))) as Masker;
  mask.excerpt = (text) => {
    const found = secretsIn(text);
    if (text.length <= EXCERPT_LENGTH) return dropPrefix(maskWith(text, found), found);
    // Wide enough that a secret which starts inside the excerpt ends inside the window, in any form.
    const widest = Math.max(longest * 12, ...found.map((value) => value.length * 3));
    const window = maskWith(text.slice(0, EXCERPT_LENGTH + widest + 64), found);
    return `${dropPrefix(window.slice(0, EXCERPT_LENGTH), found)}…`;
  };
  /** A text's end that a cut left holding the first part of a secret loses that part. */
  const dropPrefix = (text: string, found: string[]) => {
    let out = text;
    for (const prefix of patterns().prefixes) out = out.replace(prefix, "");
    for (const value of found)
      for (let k = Math.min(value.length - 1, out.length); k > 0; k--)
        if (out.endsWith(value.slice(0, k))) {
          out = out.slice(0, -k);
          break;
        }
    return out;
  };
  mask.within = (answer, text) => (mask.value([answer, text]) as [unknown, string])[1];
  mask.value = (value) => {
    // Secret fields are looked for in the whole answer (bounded by nodes, not by place), even
    // where the masked copy below keeps only the first 100 of a level: their values may stand elsewhere.
    const found = new Set<string>();
    let visited = 0;
    const collect = (node: unknown, depth: number) => {
      if (node === null || typeof node !== "object" || depth > 64 || found.size >= MOST_SECRETS) return;
      for (const key in node) {
        if (++visited > MOST_NODES) return;
        const item = (node as Record<string, unknown>)[key];
        if (SECRET_KEYS.has(key) && typeof item === "string" && item.length >= SHORTEST_SECRET) found.add(item);
        collect(item, depth + 1);
      }
    };
    collect(value, 0);
    const values = [...found];
    const walk = (node: unknown, depth: number): unknown => {
      if (typeof node === "string") return cut(maskWith(node, values));
      if (node === null || typeof node !== "object") return node;
      if (depth > 16) return "[nested too deep]";
      if (Array.isArray(node)) return node.slice(0, 100).map((item) => walk(item, depth + 1));
      const entries = Object.entries(node).slice(0, 100);
      return Object.fromEntries(
        entries.map(([key, item]) => [
          cut(maskWith(key, values), 100),
          SECRET_KEYS.has(key) ? MASK : walk(item, depth + 1),
        ]),
      );
    };
    return walk(value, 0);
  };
  return mask;
}

/** `encodeURIComponent(text)`, or undefined for a text it cannot encode (a lone surrogate): it never throws. */
export function uriEncoded(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined;
  }
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
  // Every read is guarded: a hostile error's getters may throw, and a call must still resolve.
  const read = (key: string): unknown => {
    try {
      return (error as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  };
  const isError = (() => {
    try {
      return error instanceof Error;
    } catch {
      return false;
    }
  })();
  const copy = new Error(cut(mask(describe(isError ? read("message") : error))));
  copy.name = cut(mask(describe(isError ? read("name") : "Error")), 100);
  const stack = isError ? read("stack") : undefined;
  copy.stack = mask(typeof stack === "string" ? stack : "");
  for (const key of ["code", "errno", "syscall"] as const) {
    const value = isError ? read(key) : undefined;
    if (typeof value === "string") Object.assign(copy, { [key]: cut(mask(value), 100) });
    else if (typeof value === "number") Object.assign(copy, { [key]: value });
  }
  const cause = isError ? read("cause") : undefined;
  if (cause !== undefined && depth < 5) copy.cause = maskedCause(cause, mask, depth + 1);
  return copy;
}

const isServerError = (status: number) => status >= 500 && status <= 599;

/**
 * Whether a failed request may have done its work at GREEN-API (created a billable instance,
 * queued a message): the one rule every recovery of a create or a send follows before it looks
 * the result up instead of sending again.
 *
 * - `true`: the connection was cut or the time ran out after the request may have left
 *   (`network`/`timeout` with `sent` `"maybe"` or `"yes"`); any 5xx however it arrives (HTTP 5xx,
 *   or `{code: 5xx}` inside HTTP 200); a 2xx answer that could not be read (`unexpected-response`).
 * - `false`: nothing was sent (`sent: "no"`, every `invalid-request`); GREEN-API refused it (a
 *   401/403, a used-up quota 466, a 429, any other 4xx or `{code: 4xx}`).
 */
export function mayHaveTakenEffect(error: PartnerClientError): boolean {
  if (error.sent === "no") return false;
  switch (error.kind) {
    case "network":
    case "timeout":
    case "unexpected-response":
      return true;
    case "api":
      return isServerError(error.code) || isServerError(error.status);
    case "http":
      return isServerError(error.status);
    default:
      return false;
  }
}
