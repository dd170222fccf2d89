// The one executor every partner method goes through. What differs between methods (method,
// path, validators, retry safety, size limit) comes from generated/operations.js, compiled from
// spec/; GREEN-API's quirks are handled here once.
import createClient, { type Client } from "openapi-fetch";
import { defaultBaseUrl, partnerTokenRule, secretParameters, transientStatuses } from "../generated/operations.js";
import type { paths } from "../generated/types.js";
import {
  type Validator,
  validatePartnerError,
  validatePartnerToken,
  validateQuotaExceededError,
} from "../generated/validators.js";
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
  secretValuesIn,
  type Masker,
} from "./errors.js";
import { readBytes } from "./bytes.js";
import { check, rule } from "./validation.js";
import { sleep, wholeMs } from "./timing.js";

/** An operation as generated/operations.js describes it, from the spec's `x-` facts. */
export interface Operation {
  operationId: string;
  method: string;
  path: string;
  /** `x-retry-safe`: may be sent again after a transport failure or a transient status. */
  retrySafe: boolean;
  /** `x-max-response-bytes`: the largest answer the operation can need; a larger one is refused. */
  maxResponseBytes: number;
  /** `x-failure-style`: partner methods answer failures inside HTTP 200, instance methods with real statuses. */
  failureStyle: "inside-200" | "http-status";
  pathParams: readonly string[];
  /** `x-not-ready-statuses`: statuses a wait on this method reads as "not ready yet" (a new instance's 400). */
  notReadyStatuses: readonly string[];
  validateRequest?: Validator;
  validateSuccess: Validator;
}

/** How a method that is safe to retry is retried; createInstance never is. */
// Optional options accept `undefined` too (`baseUrl: process.env.GREEN_API_URL`), as they do at
// run time: under `exactOptionalPropertyTypes` an option typed without it would refuse that.

/** How a method that is safe to retry is retried; createInstance never is. */
export interface RetryOptions {
  /** Requests at most, the first included. Default 3. */
  attempts?: number | undefined;
  /** The first wait, in milliseconds; each later one doubles, with jitter. Default 500. */
  delayMs?: number | undefined;
  /** The longest wait, and the longest `Retry-After` honoured, in milliseconds: a longer one ends the call. Default 10000. */
  maxDelayMs?: number | undefined;
}

export interface CallOptions {
  /** Aborts the call; the result is then a `timeout` error with `by: "signal"`. */
  signal?: AbortSignal | undefined;
  /** How long this call may take in all, retries and waits included, in milliseconds; defaults to the client's. */
  timeoutMs?: number | undefined;
  /** This call's retries (methods safe to retry only); `false` turns them off. */
  retry?: RetryOptions | false | undefined;
}

/** What every client takes beside its own credentials. */
export interface TransportOptions {
  /** How long one call may take in all, in milliseconds. Default 30000. */
  timeoutMs?: number | undefined;
  /** Retries of the methods safe to retry; `false` turns them off. */
  retry?: RetryOptions | false | undefined;
  /**
   * A fetch implementation (an undici dispatcher, a proxy agent, a custom CA); defaults to the
   * global one. It is called with one `Request`, whose `signal` carries the deadline and the
   * caller's signal: honour it.
   */
  fetch?: typeof globalThis.fetch | undefined;
}

export interface ExecutorOptions extends TransportOptions {
  /** The partner's secret API key from GREEN-API support. It never appears in an error. */
  partnerToken: string;
  /** `partnerApiUrl` from the partner's console; defaults to the spec's server. */
  baseUrl?: string | undefined;
}

/** How long a call waits for a whole answer unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 3, delayMs: 500, maxDelayMs: 10_000 };
/** The most read of a non-2xx body: enough for any error GREEN-API or a proxy sends. */
const ERROR_BODY_BYTES = 64 * 1024;
/** Errors of a connection that never opened: nothing reached the server. */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_INVALID_URL",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const MESSAGE_VIOLATIONS = 5;

type Fail = { data?: undefined; error: PartnerClientError };

function tooMany(n: number, max: number) {
  return n > max ? `; and ${n - max} more` : "";
}

/**
 * Serialises a body once, and validates exactly what was serialised: a `toJSON`, a getter or a
 * Proxy cannot send anything but what the validator saw, because those very bytes are sent.
 */
export function serialise(
  op: Pick<Operation, "operationId" | "validateRequest">,
  input: unknown,
  mask: (text: string) => string = (text) => text,
): { body?: string; violations: Violation[] } {
  if (!op.validateRequest) return { violations: [] };
  let body: string | undefined;
  try {
    body = JSON.stringify(input);
  } catch (error) {
    const why =
      error instanceof Error ? `${describe(error.name)}: ${cut(mask(describe(error.message)), 100)}` : "it threw";
    return { violations: [{ field: "body", rule: "json", message: `body cannot be written as JSON (${why})` }] };
  }
  const sent = body === undefined ? undefined : JSON.parse(body);
  // A field name is the caller's text: a secret pasted as a key is masked like any other.
  const violations = check(op.validateRequest, sent, "body", `${op.operationId}'s body`).map((v) => ({
    ...v,
    field: mask(v.field),
    message: mask(v.message),
  }));
  return { body, violations };
}

function checkedBaseUrl(baseUrl: unknown, where: string): string {
  const name = where === "createPartnerClient" ? "baseUrl" : "apiUrl";
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw new TypeError(`${where}: ${name} is not a URL`);
  }
  // The URL is never printed: it may hold credentials.
  if (!/^https?:$/.test(url.protocol)) throw new TypeError(`${where}: ${name} must be an http or https URL`);
  if (url.username || url.password) throw new TypeError(`${where}: ${name} must not hold a user name or password`);
  if (url.search || url.hash) throw new TypeError(`${where}: ${name} must have no query or fragment`);
  return url.href.replace(/\/+$/, "");
}

function checkedTimeout(timeoutMs: unknown, where: string): number {
  return wholeMs(timeoutMs, "timeoutMs", where);
}

function retryPolicy(retry: RetryOptions | false | undefined, where: string): Required<RetryOptions> | undefined {
  if (retry === false) return undefined;
  const given = Object.entries(retry ?? {}).filter(([, value]) => value !== undefined);
  const policy = { ...DEFAULT_RETRY, ...Object.fromEntries(given) } as Required<RetryOptions>;
  for (const [key, value] of Object.entries(policy))
    if (key === "attempts") {
      if (!Number.isInteger(value) || value < 1 || value > 100)
        throw new TypeError(`${where}: retry.attempts must be a whole number from 1 to 100`);
    } else wholeMs(value, `retry.${key}`, where, 0);
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

/** Integers in a JSON text beyond what a JavaScript number carries exactly, as their digits. */
function unsafeIntegers(text: string): string[] {
  const found = text.match(/(?<![\d.])-?\d{16,}(?![\d.eE])/g) ?? [];
  return found.filter((digits) => !Number.isSafeInteger(Number(digits))).slice(0, 3);
}

/** Thrown inside a call when an answer is larger than the method can need. */
class TooLarge extends Error {
  constructor(
    readonly status: number,
    readonly limit: number,
    readonly start: string,
  ) {
    super(`the answer is larger than the ${limit} bytes this method can need`);
  }
}

/** Stateless when not streaming, so one serves every call. */
const utf8 = new TextDecoder();

/** Reads a body up to `limit` bytes as text; past it, stops reading, which closes the connection. */
async function readBounded(
  body: ReadableStream<Uint8Array> | null | undefined,
  limit: number,
  status: number,
  signal?: AbortSignal,
) {
  const read = await readBytes(body, limit, signal);
  // Decoded once, as fetch's own text() does: per-chunk strings joined cost more memory.
  if ("bytes" in read) return utf8.decode(read.bytes);
  throw new TooLarge(status, limit, utf8.decode(read.tooLarge.subarray(0, 4096)));
}

/** What a core needs to send a family's operations: where, with which path values, masking which secrets. */
export interface CoreConfig {
  /** The constructor's name, for its errors: `createPartnerClient`, `createInstanceClient`. */
  where: string;
  baseUrl: string;
  /** The values of the operations' path parameters (`partnerToken`; `idInstance`, `apiTokenInstance`). */
  pathValues: Record<string, string | number>;
  timeoutMs?: number | undefined;
  retry?: RetryOptions | false | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  /** Secrets masked beside the core's own: an instance client made by a partner client masks the partner token too. */
  alsoMask?: readonly string[] | undefined;
  /** An openapi-fetch client to share (its middleware applies); by default one of its own. */
  raw?: Client<paths> | undefined;
}

/** What varies per call beside the body. */
export interface CallParams {
  path?: Record<string, string | number>;
  query?: Record<string, string | number>;
}

/** What happened on the wire during one attempt: the facts `sent` and retries are decided from. */
interface Wire {
  /** fetch was called: the request may have left. */
  started: boolean;
  /** A status line arrived: the server answered. */
  status?: number;
  headers?: Headers;
  /** The body of a non-2xx answer, read (bounded) before anything else could see it. */
  errorText: string;
  /** Our own read of the body failed (the connection broke after the status line). */
  bodyFailed: boolean;
}

/** Errors a fetch throws before it connects anywhere: nothing can have been sent. */
function notConnected(root: Error): boolean {
  const code = (root as { code?: unknown }).code;
  if (typeof code === "string") return NOT_CONNECTED.has(code);
  return /^(bad port|invalid url|unknown scheme|url scheme must be)/i.test(root.message);
}

/** The one executor: every operation of both families goes through `execute`. */
export function createCore(config: CoreConfig) {
  const { where, pathValues } = config;
  const timeoutMs = checkedTimeout(config.timeoutMs ?? DEFAULT_TIMEOUT_MS, where);
  const retry = config.retry;
  retryPolicy(retry, where);
  const baseUrl = checkedBaseUrl(config.baseUrl, where);
  const customFetch = config.fetch;
  const fetchImpl: (request: Request) => Promise<Response> = customFetch
    ? (request) => customFetch(request)
    : (request) => globalThis.fetch(request);
  // A partner client's instance clients share its openapi-fetch client, so that its middleware
  // (`partner.raw.use`, `useExample`) applies to them too; each request names its own base URL.
  const raw = config.raw ?? createClient<paths>({ baseUrl });
  const own = secretParameters.flatMap((name) =>
    typeof pathValues[name] === "string" ? [pathValues[name] as string] : [],
  );
  const secrets = [...own, ...(config.alsoMask ?? [])];
  const mask = masker(secrets);

  /** The request's URL with every secret path value masked: safe to print. */
  const urlOf = (op: Operation, values: Record<string, string | number>) =>
    baseUrl +
    op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
      (secretParameters as readonly string[]).includes(name) ? "***" : encodeURIComponent(String(values[name])),
    );

  /**
   * Sends `op` with `input` as its body. `params` holds what varies per call: path values beyond
   * the core's own (deleteNotification's `receiptId`) and the query (receiveNotification's `receiveTimeout`).
   */
  async function execute<T>(
    op: Operation,
    input: unknown,
    call: CallOptions = {},
    params: CallParams = {},
  ): Promise<PartnerResult<T>> {
    const { operationId } = op;
    const values = { ...params.path, ...pathValues };
    const query = new URLSearchParams(
      Object.entries(params.query ?? {}).map(([key, value]) => [key, String(value)]),
    ).toString();
    const url = urlOf(op, values) + (query ? `?${query}` : "");
    const { body, violations } = serialise(op, input, mask);
    if (violations.length) {
      const listed = violations.slice(0, MESSAGE_VIOLATIONS).map((v) => v.message);
      const message = `${operationId} was not sent: ${listed.join("; ")}${tooMany(violations.length, MESSAGE_VIOLATIONS)}`;
      return {
        error: failure<InvalidRequestError>("invalid-request", message, {
          operationId,
          sent: "no",
          attempts: 0,
          violations,
        }),
      };
    }
    // A secret the body sends (webhookUrlToken) is masked in whatever the answer echoes of it.
    const sent = body === undefined ? [] : secretValuesIn(body);
    const callMask = sent.length ? masker([...secrets, ...sent]) : mask;
    const limit = checkedTimeout(call.timeoutMs ?? timeoutMs, operationId);
    const policy = op.retrySafe ? retryPolicy(call.retry === undefined ? retry : call.retry, operationId) : undefined;
    if (call.signal?.aborted) {
      const message = `${operationId} was not sent: the caller's signal was already aborted`;
      const cause = maskedCause(call.signal.reason, callMask);
      return {
        error: failure<TimeoutError>(
          "timeout",
          message,
          { operationId, sent: "no", attempts: 0, url, by: "signal", timeoutMs: limit },
          cause,
        ),
      };
    }
    // One controller per call for the deadline. The caller's signal joins through AbortSignal.any,
    // which holds no listener on it: a signal shared by many calls collects no listeners (and no
    // MaxListenersExceededWarning).
    const controller = new AbortController();
    const signal = call.signal ? AbortSignal.any([controller.signal, call.signal]) : controller.signal;
    const ended: { by?: "timeout" | "signal" } = {};
    const timer = setTimeout(() => ((ended.by ??= "timeout"), controller.abort()), limit);
    const endsAt = Date.now() + limit;
    try {
      for (let attempt = 1; ; attempt++) {
        const { result, transport } = await once<T>(
          op,
          body,
          { path: values, query: params.query },
          signal,
          ended,
          url,
          attempt,
          limit,
          callMask,
        );
        if (!result.error || !policy || attempt >= policy.attempts) return result;
        // Only a transport failure, or a status the spec calls transient, is sent again.
        if (!transport && !transientAnswer(result.error)) return result;
        const { retryAfterMs } = result.error as { retryAfterMs?: number };
        if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return result;
        const backoff = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        const wait = retryAfterMs ?? backoff;
        if (Date.now() + wait >= endsAt || !(await sleep(wait, signal))) return result;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async function once<T>(
    op: Operation,
    body: string | undefined,
    params: { path: Record<string, string | number>; query?: Record<string, string | number> | undefined },
    signal: AbortSignal,
    ended: { by?: "timeout" | "signal" },
    url: string,
    attempts: number,
    limit: number,
    mask: Masker,
  ): Promise<{ result: PartnerResult<T>; transport: boolean }> {
    const { operationId } = op;
    const wire: Wire = { started: false, errorText: "", bodyFailed: false };
    const answered = (status: number, headers: Headers | undefined) => ({
      operationId,
      sent: "yes" as Sent,
      attempts,
      status,
      url,
      ...retryAfterOf(headers),
    });
    const done = (result: PartnerResult<T>, transport = false) => ({ result, transport });

    // Sizes are checked before openapi-fetch reads anything: it reads a non-2xx body whole.
    const bounded = async (request: Request) => {
      wire.started = true;
      // The deadline holds even for a fetch that ignores its Request's signal.
      // The global fetch ends on the Request's signal; any other is raced with it too (and a fetch
      // that answers synchronously, or throws, is still a promise here).
      const response = customFetch
        ? await untilAborted(
            Promise.resolve().then(() => fetchImpl(request)),
            signal,
          )
        : await fetchImpl(request);
      wire.status = response.status;
      wire.headers = response.headers;
      const length = Number(response.headers.get("Content-Length") ?? 0);
      const most = response.ok ? op.maxResponseBytes : ERROR_BODY_BYTES;
      if (length > most) {
        await response.body?.cancel().catch(() => {}); // closes the connection
        throw new TooLarge(response.status, most, "");
      }
      if (response.ok || !response.body || response.status < 200) return response;
      try {
        wire.errorText = await readBounded(response.body, most, response.status, signal);
      } catch (error) {
        if (!(error instanceof TooLarge)) throw ((wire.bodyFailed = true), error);
        wire.errorText = error.start; // an error page larger than any error: its start is enough
      }
      return rewrapped(wire.errorText, response);
    };

    try {
      const { data, response } = await raw.request(
        op.method.toLowerCase() as "post",
        op.path as never,
        {
          baseUrl,
          params,
          body: body as never,
          bodySerializer: (serialised: unknown) => serialised as string, // serialised once, in serialise()
          parseAs: "stream",
          // Following a redirect would send the call, and the token, a second time.
          redirect: "manual",
          // On the Request itself, so that any fetch honouring its Request obeys the deadline.
          signal,
          fetch: bounded,
        } as never,
      );
      // The status that arrived (a copy of the answer cannot carry one outside 200-599).
      if (!response.ok) return done(fromFailure(wire.status ?? response.status, response.headers), false);
      let text: string;
      try {
        // A length the server declared is already checked, and fetch holds a body to it unless it
        // is compressed: then the plain read is bounded, and the stream is counted otherwise.
        // Only the global fetch is known to hold a body to its declared length, and to end its
        // read on the Request's signal: any other fetch's body is counted and raced with the signal.
        const declared =
          !customFetch &&
          response.headers.get("Content-Length") !== null &&
          response.headers.get("Content-Encoding") === null;
        text = declared
          ? await response.text()
          : await readBounded(
              data as ReadableStream<Uint8Array> | undefined,
              op.maxResponseBytes,
              response.status,
              signal,
            );
      } catch (thrown) {
        if (thrown instanceof TooLarge)
          return done(unexpected(thrown.message, thrown.start, response.status, response.headers));
        wire.bodyFailed = true;
        throw thrown;
      }
      return done(fromSuccess(text, response.status, response.headers));
    } catch (thrown) {
      return classify(thrown);
    }

    /** What an attempt that threw comes to, decided from what happened on the wire, never from the error's shape. */
    function classify(thrown: unknown): { result: PartnerResult<T>; transport: boolean } {
      if (thrown instanceof TooLarge) {
        const fields = { operationId, sent: "yes" as Sent, attempts, status: thrown.status, url };
        const message = `${operationId} failed: ${thrown.message} (HTTP ${thrown.status}); the connection was closed`;
        if (thrown.status >= 200 && thrown.status < 300)
          return done({
            error: failure<UnexpectedResponseError>("unexpected-response", message, {
              ...fields,
              reason: thrown.message,
              excerpt: "",
            }),
          });
        return done({ error: failure<HttpError>("http", message, { ...fields, excerpt: "" }) });
      }
      const cause = maskedCause(thrown, mask);
      const unsafe = op.retrySafe ? "" : "; it was not resent";
      const answeredYet = wire.status !== undefined;
      if (signal.aborted) {
        const by = ended.by ?? "signal";
        const sent: Sent = answeredYet ? "yes" : wire.started ? "maybe" : "no";
        const effect =
          sent === "no"
            ? "; nothing was sent"
            : sent === "yes"
              ? "; GREEN-API received it"
              : `; it may have taken effect${unsafe}`;
        const message =
          by === "timeout"
            ? `${operationId} got no whole answer within ${limit} ms from ${url}${effect}`
            : `${operationId} was aborted by the caller's signal${effect}`;
        return done({
          error: failure<TimeoutError>(
            "timeout",
            message,
            { operationId, sent, attempts, url, by, timeoutMs: limit },
            cause,
          ),
        });
      }
      let root: Error = cause; // the innermost cause says what happened ("connect ECONNREFUSED ...")
      while (root.cause instanceof Error) root = root.cause;
      if (answeredYet && !wire.bodyFailed) {
        // Answered, then something between the socket and the result threw (a middleware of the
        // caller's, say): the answer is what counts, and the error is kept as the cause.
        if (wire.status! >= 200 && wire.status! < 300) {
          const reason = `the answer could not be read (${cut(root.message, 200)})`;
          return done(withCause(unexpected(reason, "", wire.status!, wire.headers), cause));
        }
        return done(withCause(fromFailure(wire.status!, wire.headers), cause));
      }
      if (answeredYet) {
        const message = `${operationId} lost the connection while reading the answer (HTTP ${wire.status}) from ${url} (${root.message}); GREEN-API received it`;
        return done(
          { error: failure<NetworkError>("network", message, { operationId, sent: "yes", attempts, url }, cause) },
          true,
        );
      }
      if (!wire.started || notConnected(root)) {
        const message = wire.started
          ? `${operationId} could not connect to ${url} (${root.message}); nothing was sent`
          : `${operationId} was not sent: it failed before any request was made (${root.message})`;
        return done(
          { error: failure<NetworkError>("network", message, { operationId, sent: "no", attempts, url }, cause) },
          wire.started,
        );
      }
      const message = `${operationId} could not reach ${url} or lost the answer (${root.message}); it may have taken effect${unsafe}`;
      return done(
        { error: failure<NetworkError>("network", message, { operationId, sent: "maybe", attempts, url }, cause) },
        true,
      );
    }

    function apiError(
      parsed: { code: number; description: string },
      status: number,
      headers: Headers | undefined,
    ): Fail {
      const safe = mask.value(parsed) as ApiError["body"];
      // Read from the answer itself: the masked copy keeps the first 100 fields only.
      const description = mask.within(parsed, parsed.description);
      const message = `${operationId}: GREEN-API answered ${parsed.code} ${cut(description, 200)} (HTTP ${status})`;
      return {
        error: failure<ApiError>("api", message, {
          code: parsed.code,
          description,
          body: safe,
          ...answered(status, headers),
        }),
      };
    }

    /** A 466's quota objects: an `api` error whose message says which quota ran out. */
    function quotaError(parsed: NonNullable<ApiError["quota"]>, status: number, headers: Headers | undefined): Fail {
      const quota = mask.value(parsed) as NonNullable<ApiError["quota"]>;
      const which = [quota.invokeStatus, quota.correspondentsStatus].filter((q) => q && typeof q === "object");
      const description = which
        .map((q) =>
          [q!.status, q!.description, q!.used != null && q!.total != null ? `${q!.used} of ${q!.total} used` : ""]
            .filter(Boolean)
            .join(": "),
        )
        .join("; ");
      const message = `${operationId}: GREEN-API answered ${status}, a quota is used up: ${cut(description, 300)}`;
      return {
        error: failure<ApiError>("api", message, {
          code: status,
          description: cut(description, 300),
          body: quota as Record<string, unknown>,
          quota,
          ...answered(status, headers),
        }),
      };
    }

    function unexpected(reason: string, text: string, status: number, headers: Headers | undefined): Fail {
      const message = `${operationId} got an answer that is not in the contract (HTTP ${status}): ${mask(reason)}`;
      return {
        error: failure<UnexpectedResponseError>("unexpected-response", message, {
          reason: mask(reason),
          excerpt: mask.excerpt(text),
          ...answered(status, headers),
        }),
      };
    }

    // Partner methods answer failures with HTTP 200 too (`x-failure-style: inside-200`): the body,
    // not the status, decides. Instance methods' 200 is the result; an error body there is still an error.
    function fromSuccess(text: string, status: number, headers: Headers): PartnerResult<T> {
      if (!text) return unexpected("the body is empty", "", status, headers);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return unexpected("the body is not JSON", text, status, headers);
      }
      const errorFirst = op.failureStyle === "inside-200";
      if (errorFirst && validatePartnerError(parsed)) return apiError(parsed as ApiError, status, headers);
      if (op.validateSuccess(parsed)) return { data: parsed as T };
      const errors = op.validateSuccess.errors ?? [];
      if (!errorFirst && validatePartnerError(parsed)) return apiError(parsed as ApiError, status, headers);
      const why = errors
        .slice(0, 3)
        .map(
          (e) =>
            `${e.instancePath || "body"} ${e.keyword === "required" ? `lacks ${String(e.params.missingProperty)}` : rule(e)}`,
        );
      const digits = errors.some((e) => e.keyword === "maximum" && e.params.limit === Number.MAX_SAFE_INTEGER)
        ? unsafeIntegers(text)
        : [];
      const reason = digits.length
        ? `it holds ${digits.join(", ")}, beyond 2^53 - 1: JSON in JavaScript cannot carry it exactly, so it is not handed back rounded`
        : `not what ${operationId} answers (${why.join("; ")}${tooMany(errors.length, 3)})`;
      return unexpected(reason, text, status, headers);
    }

    function fromFailure(status: number, headers: Headers | undefined): Fail {
      const text = wire.errorText;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (validatePartnerError(parsed)) return apiError(parsed as ApiError, status, headers);
      if (isQuotaBody(parsed)) return quotaError(parsed, status, headers);
      const message = `${operationId} failed with HTTP ${status}${text ? `: ${mask.excerpt(text)}` : " and no body"}`;
      return {
        error: failure<HttpError>("http", message, { excerpt: mask.excerpt(text), ...answered(status, headers) }),
      };
    }
  }

  return { execute, raw, baseUrl };
}

/** The partner family's core: checks the partner token and the base URL, and builds the executor. */
export function createExecutor(options: ExecutorOptions) {
  const where = "createPartnerClient";
  const { partnerToken } = options ?? ({} as ExecutorOptions);
  if (typeof partnerToken !== "string" || partnerToken === "")
    throw new TypeError(
      `${where}: partnerToken is required, as a non-empty string (the partner's API key from GREEN-API support)`,
    );
  // Refused at once, and never printed: a token that breaks the rule could change the request's path.
  if (!validatePartnerToken(partnerToken)) throw new TypeError(`${where}: partnerToken ${partnerTokenRule}`);
  return createCore({ ...options, where, baseUrl: options.baseUrl ?? defaultBaseUrl, pathValues: { partnerToken } });
}

/** GREEN-API's 466 body: at least one of its quota objects (the schema alone accepts any object). */
function isQuotaBody(parsed: unknown): parsed is NonNullable<ApiError["quota"]> {
  if (!validateQuotaExceededError(parsed)) return false;
  const { invokeStatus, correspondentsStatus } = parsed as Record<string, unknown>;
  return [invokeStatus, correspondentsStatus].some((q) => q !== null && typeof q === "object");
}

/** The same error with `cause` set: the caller's own error, masked, kept for whoever needs it. */
function withCause<R extends { error: PartnerClientError }>(result: R, cause: Error): R {
  Object.defineProperty(result.error, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
  return result;
}

/** A copy of a non-2xx answer holding the body already read; it cannot throw (a reason phrase
 *  that is not Latin-1, a status `Response` refuses): such parts are left out. */
function rewrapped(text: string, response: Response): Response {
  try {
    return new Response(text, { status: response.status, headers: response.headers });
  } catch {
    return new Response(text, { status: 500 });
  }
}

/** A promise that rejects as soon as `signal` aborts, whatever `promise` does; its late rejection is swallowed. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return (promise.catch(() => {}), Promise.reject(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error) => (signal.removeEventListener("abort", onAbort), reject(error)),
    );
  });
}

function retryAfterOf(headers: Headers | undefined): { retryAfterMs?: number } {
  const retryAfterMs = parseRetryAfter(headers?.get("Retry-After") ?? null);
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}
