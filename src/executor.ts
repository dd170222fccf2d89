// The one executor every partner method goes through. What differs between methods (method,
// path, validators, retry safety, size limit) comes from generated/operations.js, compiled from
// spec/; GREEN-API's quirks are handled here once.
import createClient from "openapi-fetch";
import { defaultBaseUrl, partnerTokenRule, transientStatuses } from "../generated/operations.js";
import type { paths } from "../generated/types.js";
import { type ValidationError, type Validator, validatePartnerError, validatePartnerToken } from "../generated/validators.js";
import {
  type ApiError,
  type HttpError,
  type InvalidRequestError,
  type NetworkError,
  type PartnerClientError,
  type PartnerResult,
  type Sent,
  type TimeoutError,
  type UnexpectedResponseError,
  type Violation,
  cut,
  describe,
  failure,
  maskedCause,
  masker,
} from "./errors.js";

/** A partner method as generated/operations.js describes it. */
export interface Operation {
  operationId: string;
  method: string;
  path: string;
  retrySafe: boolean;
  maxResponseBytes: number;
  validateRequest?: Validator;
  validateSuccess: Validator;
}

/** How a method that is safe to retry is retried; createInstance never is. */
export interface RetryOptions {
  /** Requests at most, the first included. Default 3. */
  attempts?: number;
  /** The first wait; each later one doubles, with jitter. Default 500 ms. */
  delayMs?: number;
  /** The longest wait, and the longest `Retry-After` honoured: a longer one ends the call. Default 10000 ms. */
  maxDelayMs?: number;
}

export interface CallOptions {
  /** Aborts the call; the result is then a `timeout` error with `by: "signal"`. */
  signal?: AbortSignal;
  /** How long this call may take in all, retries and waits included; defaults to the client's. */
  timeoutMs?: number;
  /** This call's retries (methods safe to retry only); `false` turns them off. */
  retry?: RetryOptions | false;
}

export interface ExecutorOptions {
  /** The partner's secret API key from GREEN-API support. It never appears in an error. */
  partnerToken: string;
  /** `partnerApiUrl` from the partner's console; defaults to the spec's server. */
  baseUrl?: string;
  /** How long one call may take in all, in milliseconds. Default 30000. */
  timeoutMs?: number;
  /** Retries of the methods safe to retry; `false` turns them off. */
  retry?: RetryOptions | false;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
}

/** How long a call waits for a whole answer unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 3, delayMs: 500, maxDelayMs: 10_000 };
/** The most read of a non-2xx body: enough for any error GREEN-API or a proxy sends. */
const ERROR_BODY_BYTES = 64 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Errors of a connection that never opened: nothing reached the server. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ERR_INVALID_URL", "EHOSTUNREACH", "ENETUNREACH"]);
const MESSAGE_VIOLATIONS = 5;

type Fail = { data?: undefined; error: PartnerClientError };

/** What a violated rule asks for, in plain words, from its keyword and params (Ajv's messages are left out of the bundle). */
function rule({ keyword, params }: ValidationError): string {
  if (/^(exclusiveM|m)(inimum|aximum)$/.test(keyword)) return `must be ${String(params.comparison)} ${String(params.limit)}`;
  if (keyword === "type") return `must be ${String(params.type)}`;
  if (keyword === "enum") return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  if (keyword === "const") return `must be ${JSON.stringify(params.allowedValue)}`;
  if (keyword === "minProperties") return `must have at least ${String(params.limit)} field`;
  if (keyword === "pattern") return "is not in the expected form";
  return `breaks the rule ${keyword}`;
}

function plainWords(error: ValidationError, field: string, operationId: string): string {
  if (error.keyword === "additionalProperties") return `${field} is not a field of ${operationId}'s body`;
  if (error.keyword === "required") return `${field} is required`;
  return `${field} ${rule(error)}`;
}

/** Every way `value` breaks the schema `validate` was compiled from, in plain words. */
function check(validate: Validator, value: unknown, subject: string, operationId: string): Violation[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => {
    const path = error.instancePath.split("/").filter(Boolean);
    const named = error.keyword === "additionalProperties" ? error.params.additionalProperty : error.keyword === "required" ? error.params.missingProperty : undefined;
    const field = [...path, ...(named === undefined ? [] : [String(named)])].join(".") || subject;
    return { field, rule: error.keyword, message: plainWords(error, field, operationId) };
  });
}

function tooMany(n: number, max: number) {
  return n > max ? `; and ${n - max} more` : "";
}

/**
 * Serialises a body once, and validates exactly what was serialised: a `toJSON`, a getter or a
 * Proxy cannot send anything but what the validator saw, because those very bytes are sent.
 */
export function serialise(op: Operation, input: unknown, mask: (text: string) => string = (text) => text): { body?: string; violations: Violation[] } {
  if (!op.validateRequest) return { violations: [] };
  let body: string | undefined;
  try {
    body = JSON.stringify(input);
  } catch (error) {
    const why = error instanceof Error ? `${describe(error.name)}: ${cut(mask(describe(error.message)), 100)}` : "it threw";
    return { violations: [{ field: "body", rule: "json", message: `body cannot be written as JSON (${why})` }] };
  }
  const sent = body === undefined ? undefined : JSON.parse(body);
  return { body, violations: check(op.validateRequest, sent, "body", op.operationId) };
}

function checkedBaseUrl(baseUrl: unknown): string {
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw new TypeError("createPartnerClient: baseUrl is not a URL");
  }
  // The URL is never printed: it may hold credentials.
  if (!/^https?:$/.test(url.protocol)) throw new TypeError("createPartnerClient: baseUrl must be an http or https URL");
  if (url.username || url.password) throw new TypeError("createPartnerClient: baseUrl must not hold a user name or password");
  if (url.search || url.hash) throw new TypeError("createPartnerClient: baseUrl must have no query or fragment");
  return url.href.replace(/\/+$/, "");
}

function checkedTimeout(timeoutMs: unknown, where: string): number {
  if (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMER_MS)
    throw new TypeError(`${where}: timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`);
  return timeoutMs;
}

function retryPolicy(retry: RetryOptions | false | undefined, where: string): Required<RetryOptions> | undefined {
  if (retry === false) return undefined;
  const policy = { ...DEFAULT_RETRY, ...retry };
  for (const [key, value] of Object.entries(policy))
    if (!Number.isInteger(value) || value < (key === "attempts" ? 1 : 0) || value > MAX_TIMER_MS)
      throw new TypeError(`${where}: retry.${key} must be a whole number${key === "attempts" ? " from 1" : " of milliseconds"}`);
  return policy;
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
  const text = String(status);
  return transientStatuses.some((pattern) => pattern === text || (pattern.endsWith("XX") && pattern[0] === text[0] && text.length === 3));
}

function retriable(error: PartnerClientError): boolean {
  if (error.kind === "network") return true;
  if (error.kind === "api") return isTransient(error.code) || isTransient(error.status);
  return error.kind === "http" && isTransient(error.status);
}

/** Integers in a JSON text beyond what a JavaScript number carries exactly, as their digits. */
function unsafeIntegers(text: string): string[] {
  const found = text.match(/(?<![\d.])-?\d{16,}(?![\d.eE])/g) ?? [];
  return found.filter((digits) => !Number.isSafeInteger(Number(digits))).slice(0, 3);
}

/** Thrown inside a call when an answer is larger than the method can need. */
class TooLarge extends Error {
  constructor(readonly status: number, readonly limit: number, readonly start: string) {
    super(`the answer is larger than the ${limit} bytes this method can need`);
  }
}

/** Stateless when not streaming, so one serves every call. */
const utf8 = new TextDecoder();

/** Reads a body up to `limit` bytes; past it, stops reading, which closes the connection. */
async function readBounded(body: ReadableStream<Uint8Array> | null | undefined, limit: number, status: number) {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new TooLarge(status, limit, utf8.decode(chunks[0]?.subarray(0, 4096)));
    }
    chunks.push(value);
  }
  if (chunks.length <= 1) return utf8.decode(chunks[0]);
  // Decoded once, as fetch's own text() does: per-chunk strings joined cost more memory.
  const whole = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) whole.set(chunk, (at += chunk.byteLength) - chunk.byteLength);
  return utf8.decode(whole);
}

export function createExecutor(options: ExecutorOptions) {
  const { partnerToken, fetch: customFetch } = options ?? ({} as ExecutorOptions);
  if (typeof partnerToken !== "string")
    throw new TypeError("createPartnerClient: partnerToken is required, as a string (the partner's API key from GREEN-API support)");
  // Refused at once, and never printed: a token that breaks the rule could change the request's path.
  if (!validatePartnerToken(partnerToken)) throw new TypeError(`createPartnerClient: partnerToken ${partnerTokenRule}`);
  const timeoutMs = checkedTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, "createPartnerClient");
  const retry = options.retry;
  retryPolicy(retry, "createPartnerClient");
  const baseUrl = checkedBaseUrl(options.baseUrl ?? defaultBaseUrl);
  const fetchImpl: typeof globalThis.fetch = customFetch ?? ((input, init) => globalThis.fetch(input, init));
  const raw = createClient<paths>({ baseUrl, fetch: fetchImpl });
  const mask = masker(partnerToken);

  async function execute<T>(op: Operation, input: unknown, call: CallOptions = {}): Promise<PartnerResult<T>> {
    const { operationId } = op;
    const url = baseUrl + op.path.replace("{partnerToken}", "***");
    const { body, violations } = serialise(op, input, mask);
    if (violations.length) {
      const listed = violations.slice(0, MESSAGE_VIOLATIONS).map((v) => v.message);
      const message = `${operationId} was not sent: ${listed.join("; ")}${tooMany(violations.length, MESSAGE_VIOLATIONS)}`;
      return { error: failure<InvalidRequestError>("invalid-request", message, { operationId, sent: "no", attempts: 0, violations }) };
    }
    const limit = checkedTimeout(call.timeoutMs ?? timeoutMs, operationId);
    const policy = op.retrySafe ? retryPolicy(call.retry === undefined ? retry : call.retry, operationId) : undefined;
    if (call.signal?.aborted) {
      const message = `${operationId} was not sent: the caller's signal was already aborted`;
      const cause = maskedCause(call.signal.reason, mask);
      return { error: failure<TimeoutError>("timeout", message, { operationId, sent: "no", attempts: 0, url, by: "signal", timeoutMs: limit }, cause) };
    }
    // One controller per call, aborted by the deadline or the caller's signal: cheaper than
    // AbortSignal.timeout plus AbortSignal.any on every call, and it says which one ended it.
    const controller = new AbortController();
    const ended: { by?: "timeout" | "signal" } = {};
    const timer = setTimeout(() => ((ended.by ??= "timeout"), controller.abort()), limit);
    const onAbort = () => ((ended.by ??= "signal"), controller.abort(call.signal!.reason));
    call.signal?.addEventListener("abort", onAbort, { once: true });
    const endsAt = Date.now() + limit;
    try {
      for (let attempt = 1; ; attempt++) {
        const result = await once<T>(op, body, controller.signal, ended, url, attempt, limit);
        if (!result.error || !policy || attempt >= policy.attempts || !retriable(result.error)) return result;
        const { retryAfterMs } = result.error as { retryAfterMs?: number };
        if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return result;
        const backoff = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        const wait = retryAfterMs ?? backoff;
        if (Date.now() + wait >= endsAt || !(await sleep(wait, controller.signal))) return result;
      }
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener("abort", onAbort);
    }
  }

  async function once<T>(op: Operation, body: string | undefined, signal: AbortSignal, ended: { by?: "timeout" | "signal" }, url: string, attempts: number, limit: number): Promise<PartnerResult<T>> {
    const { operationId } = op;
    let errorText = "";
    const answered = (response: Response) => ({ operationId, sent: "yes" as Sent, attempts, status: response.status, url, ...retryAfterOf(response) });

    // Sizes are checked before openapi-fetch reads anything: it reads a non-2xx body whole.
    const bounded = async (request: Request) => {
      // The signal joins here, once, not on openapi-fetch's Request too: undici follows every
      // signal it is given with listeners of its own, a cost on every call.
      const response = await fetchImpl(request, { signal });
      const length = Number(response.headers.get("Content-Length") ?? 0);
      const most = response.ok ? op.maxResponseBytes : ERROR_BODY_BYTES;
      if (length > most) {
        await response.body?.cancel().catch(() => {}); // closes the connection
        throw new TooLarge(response.status, most, "");
      }
      if (response.ok || !response.body || response.status < 200) return response;
      try {
        errorText = await readBounded(response.body, most, response.status);
      } catch (error) {
        if (!(error instanceof TooLarge)) throw error;
        errorText = error.start; // an error page larger than any error: its start is enough
      }
      return new Response(errorText, { status: response.status, statusText: response.statusText, headers: response.headers });
    };

    try {
      const { data, error, response } = await raw.request(op.method.toLowerCase() as "post", op.path as never, {
        params: { path: { partnerToken } },
        body: body as never,
        bodySerializer: (serialised: unknown) => serialised as string, // serialised once, in serialise()
        parseAs: "stream",
        // Following a redirect would send the call, and the token, a second time.
        redirect: "manual",
        fetch: bounded,
      } as never);
      if (!response.ok) return fromFailure(error, response);
      let text: string;
      try {
        // A length the server declared is already checked, and fetch holds a body to it unless it
        // is compressed: then the plain read is bounded, and the stream is counted otherwise.
        const declared = response.headers.get("Content-Length") !== null && response.headers.get("Content-Encoding") === null;
        text = declared ? await response.text() : await readBounded(data as ReadableStream<Uint8Array> | undefined, op.maxResponseBytes, response.status);
      } catch (thrown) {
        if (thrown instanceof TooLarge) return unexpected(thrown.message, thrown.start, response);
        throw thrown;
      }
      return fromSuccess(text, response);
    } catch (thrown) {
      if (thrown instanceof TooLarge) {
        const fields = { operationId, sent: "yes" as Sent, attempts, status: thrown.status, url };
        const message = `${operationId} failed: ${thrown.message} (HTTP ${thrown.status}); the connection was closed`;
        if (thrown.status >= 200 && thrown.status < 300) return { error: failure<UnexpectedResponseError>("unexpected-response", message, { ...fields, reason: thrown.message, excerpt: "" }) };
        return { error: failure<HttpError>("http", message, { ...fields, excerpt: "" }) };
      }
      const cause = maskedCause(thrown, mask);
      const unsafe = op.retrySafe ? "" : "; it was not resent";
      if (signal.aborted && ended.by) {
        const { by } = ended;
        const message =
          by === "timeout"
            ? `${operationId} got no whole answer within ${limit} ms from ${url}; it may have taken effect${unsafe}`
            : `${operationId} was aborted by the caller's signal; it may have taken effect${unsafe}`;
        return { error: failure<TimeoutError>("timeout", message, { operationId, sent: "maybe", attempts, url, by, timeoutMs: limit }, cause) };
      }
      let root: Error = cause; // the innermost cause says what happened ("connect ECONNREFUSED ...")
      while (root.cause instanceof Error) root = root.cause;
      const code = (root as { code?: unknown }).code;
      const sent: Sent = typeof code === "string" && NOT_CONNECTED.has(code) ? "no" : "maybe";
      const message =
        sent === "no"
          ? `${operationId} could not connect to ${url} (${root.message}); nothing was sent`
          : `${operationId} could not reach ${url} or lost the answer (${root.message}); it may have taken effect${unsafe}`;
      return { error: failure<NetworkError>("network", message, { operationId, sent, attempts, url }, cause) };
    }

    function apiError(parsed: { code: number; description: string }, response: Response): Fail {
      const safe = mask.value(parsed) as ApiError["body"] & { description: string };
      const message = `${operationId}: GREEN-API answered ${parsed.code} ${cut(safe.description, 200)} (HTTP ${response.status})`;
      return { error: failure<ApiError>("api", message, { code: parsed.code, description: safe.description, body: safe, ...answered(response) }) };
    }

    function unexpected(reason: string, text: string, response: Response): Fail {
      const message = `${operationId} got an answer that is not in the contract (HTTP ${response.status}): ${reason}`;
      return { error: failure<UnexpectedResponseError>("unexpected-response", message, { reason, excerpt: mask.excerpt(text), ...answered(response) }) };
    }

    // GREEN-API answers failures with HTTP 200 too: the body, not the status, decides.
    function fromSuccess(text: string, response: Response): PartnerResult<T> {
      if (!text) return unexpected("the body is empty", "", response);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return unexpected("the body is not JSON", text, response);
      }
      if (validatePartnerError(parsed)) return apiError(parsed as ApiError, response);
      if (op.validateSuccess(parsed)) return { data: parsed as T };
      const errors = op.validateSuccess.errors ?? [];
      const why = errors.slice(0, 3).map((e) => `${e.instancePath || "body"} ${e.keyword === "required" ? `lacks ${String(e.params.missingProperty)}` : rule(e)}`);
      const digits = errors.some((e) => e.keyword === "maximum" && e.params.limit === Number.MAX_SAFE_INTEGER) ? unsafeIntegers(text) : [];
      const reason = digits.length
        ? `it holds ${digits.join(", ")}, beyond 2^53 - 1: JSON in JavaScript cannot carry it exactly, so it is not handed back rounded`
        : `not what ${operationId} answers (${why.join("; ")}${tooMany(errors.length, 3)})`;
      return unexpected(reason, text, response);
    }

    function fromFailure(parsed: unknown, response: Response): PartnerResult<T> {
      if (validatePartnerError(parsed)) return apiError(parsed as ApiError, response);
      const message = `${operationId} failed with HTTP ${response.status}${errorText ? `: ${mask.excerpt(errorText)}` : " and no body"}`;
      return { error: failure<HttpError>("http", message, { excerpt: mask.excerpt(errorText), ...answered(response) }) };
    }
  }

  return { execute, raw, baseUrl };
}

function retryAfterOf(response: Response): { retryAfterMs?: number } {
  const retryAfterMs = parseRetryAfter(response.headers.get("Retry-After"));
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}

/** Waits, unless the signal aborts first; says whether the whole wait passed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = (passed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(passed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

