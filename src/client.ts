// The typed createInstance client over openapi-fetch. Every rule it checks, and its path, come
// from generated/, compiled from spec/.
import createClient, { type Client } from "openapi-fetch";
import { createInstancePath as PATH, defaultBaseUrl, partnerTokenRule } from "../generated/meta.js";
import type { CreateInstanceRequest, CreatedInstance, paths } from "../generated/types.js";
import {
  type ValidationError,
  type Validator,
  validateCreateInstanceRequest,
  validateCreatedInstance,
  validatePartnerError,
  validatePartnerToken,
} from "../generated/validators.js";
import {
  type ApiError,
  type CreateInstanceError,
  type HttpError,
  type InvalidRequestError,
  type NetworkError,
  type TimeoutError,
  type UnexpectedResponseError,
  type Violation,
  excerpt,
  failure,
  maskedCause,
  masker,
} from "./errors.js";

/** How long createInstance waits for a whole answer unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface PartnerClientOptions {
  /** The partner's secret API key from GREEN-API support. It never appears in an error. */
  partnerToken: string;
  /** `partnerApiUrl` from the partner's console; defaults to the spec's server. */
  baseUrl?: string;
  /** How long one call may wait for the whole answer, in milliseconds. Default 30000. */
  timeoutMs?: number;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof globalThis.fetch;
}

export interface CreateInstanceOptions {
  /** Aborts the call; the result is then a `timeout` error with `by: "signal"`. */
  signal?: AbortSignal;
}

export type CreateInstanceResult = { data: CreatedInstance; error?: undefined } | { data?: undefined; error: CreateInstanceError };

export interface PartnerClient {
  /**
   * Creates a billable instance. Resolves with `data` (a created instance, never anything else)
   * or `error` (narrow on `error.kind`); rejects only on a programming error. Never resent.
   */
  createInstance(settings: CreateInstanceRequest, options?: CreateInstanceOptions): Promise<CreateInstanceResult>;
  /** The openapi-fetch client underneath, typed from the spec, with `baseUrl` set. */
  raw: Client<paths>;
  /** The base URL in use. */
  baseUrl: string;
}

function plainWords(error: ValidationError, field: string): string {
  const { keyword, params } = error;
  if (keyword === "additionalProperties") return `${String(params.additionalProperty)} is not a createInstance setting`;
  if (keyword === "minProperties") return `${field} must have at least ${String(params.limit)} field`;
  if (keyword === "enum")
    return `${field} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  if (keyword === "pattern" && field === "partnerToken") return `partnerToken ${partnerTokenRule}`;
  return `${field} ${error.message ?? `breaks the rule ${keyword}`}`;
}

function check(validate: Validator, value: unknown, subject: string): Violation[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => {
    const field =
      error.keyword === "additionalProperties"
        ? String(error.params.additionalProperty)
        : error.instancePath.split("/").filter(Boolean).join(".") || subject;
    return { field, rule: error.keyword, message: plainWords(error, error.instancePath ? field : subject) };
  });
}

/** Every way `settings` and `partnerToken` break the contract; empty when they can be sent. */
export function validateSettings(settings: unknown, partnerToken?: unknown): Violation[] {
  const token = partnerToken === undefined ? [] : check(validatePartnerToken, partnerToken, "partnerToken");
  return [...token, ...check(validateCreateInstanceRequest, settings, "settings")];
}

function checkedBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`createPartnerClient: baseUrl is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash)
    throw new TypeError(`createPartnerClient: baseUrl must be an http(s) URL with no query or fragment: ${JSON.stringify(baseUrl)}`);
  return baseUrl.replace(/\/+$/, "");
}

export function createPartnerClient(options: PartnerClientOptions): PartnerClient {
  const { partnerToken, timeoutMs = DEFAULT_TIMEOUT_MS, fetch } = options ?? ({} as PartnerClientOptions);
  if (typeof partnerToken !== "string")
    throw new TypeError("createPartnerClient: partnerToken is required, as a string (the partner's API key from GREEN-API support)");
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2 ** 31 - 1)
    throw new TypeError(`createPartnerClient: timeoutMs must be a positive whole number of milliseconds, not ${String(timeoutMs)}`);
  const baseUrl = checkedBaseUrl(options.baseUrl ?? defaultBaseUrl);
  const raw = createClient<paths>({ baseUrl, ...(fetch ? { fetch } : {}) });
  const mask = masker(partnerToken);
  const url = baseUrl + PATH.replace("{partnerToken}", "***");

  function answered(response: Response) {
    const retryAfter = response.headers.get("Retry-After");
    return { status: response.status, url, ...(retryAfter === null ? {} : { retryAfter }) };
  }

  function apiError(body: { code: number; description: string }, response: Response) {
    const safe = JSON.parse(mask(JSON.stringify(body))) as ApiError["body"] & { description: string };
    const message = `GREEN-API answered ${body.code} ${safe.description} (HTTP ${response.status})`;
    return failure<ApiError>("api", message, { code: body.code, description: safe.description, body: safe, ...answered(response) });
  }

  function unexpected(reason: string, text: string, response: Response) {
    const message = `createInstance got an answer that is not in the contract (HTTP ${response.status}): ${reason}`;
    return failure<UnexpectedResponseError>("unexpected-response", message, { reason, excerpt: excerpt(text, mask), ...answered(response) });
  }

  // GREEN-API answers failures with HTTP 200 too: the body, not the status, decides.
  function fromSuccess(text: string | undefined, response: Response): CreateInstanceResult {
    if (!text) return { error: unexpected("the body is empty", "", response) };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { error: unexpected("the body is not JSON", text, response) };
    }
    if (validatePartnerError(body)) return { error: apiError(body as ApiError, response) };
    if (validateCreatedInstance(body)) return { data: body as CreatedInstance };
    const why = (validateCreatedInstance.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || "body"} ${e.message}`);
    return { error: unexpected(`neither a created instance nor an error (${why.join("; ")})`, text, response) };
  }

  function fromFailure(body: unknown, response: Response): CreateInstanceResult {
    if (validatePartnerError(body)) return { error: apiError(body as ApiError, response) };
    const text = typeof body === "string" ? body : (JSON.stringify(body) ?? "");
    const message = `createInstance failed with HTTP ${response.status}${text ? `: ${excerpt(text, mask)}` : " and no body"}`;
    return { error: failure<HttpError>("http", message, { excerpt: excerpt(text, mask), ...answered(response) }) };
  }

  async function createInstance(settings: CreateInstanceRequest, callOptions: CreateInstanceOptions = {}): Promise<CreateInstanceResult> {
    const violations = validateSettings(settings, partnerToken);
    if (violations.length) {
      const message = `createInstance was not sent: ${violations.map((v) => v.message).join("; ")}`;
      return { error: failure<InvalidRequestError>("invalid-request", message, { violations }) };
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callOptions.signal ? AbortSignal.any([timeout, callOptions.signal]) : timeout;
    try {
      const { data, error, response } = await raw.POST(PATH, {
        params: { path: { partnerToken } },
        body: settings,
        parseAs: "text",
        signal,
        // Following a redirect would send the billable call, and the token, a second time.
        redirect: "manual",
      });
      return response.ok ? fromSuccess(data, response) : fromFailure(error, response);
    } catch (thrown) {
      const cause = maskedCause(thrown, mask);
      if (signal.aborted) {
        const by = timeout.aborted ? "timeout" : "signal";
        const message =
          by === "timeout"
            ? `createInstance got no whole answer within ${timeoutMs} ms from ${url}; an instance may have been created`
            : `createInstance was aborted by the caller's signal; an instance may have been created`;
        return { error: failure<TimeoutError>("timeout", message, { url, by, timeoutMs }, cause) };
      }
      let root: Error = cause; // the innermost cause says what happened ("connect ECONNREFUSED ...")
      while (root.cause instanceof Error) root = root.cause;
      const message = `createInstance could not reach ${url} or lost the answer (${root.message}); an instance may have been created`;
      return { error: failure<NetworkError>("network", message, { url }, cause) };
    }
  }

  return { createInstance, raw, baseUrl };
}
