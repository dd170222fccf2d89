// What an answer means: a 2xx read as the method's result or an error (readSuccess), a non-2xx
// read as GREEN-API's error, a 466 quota, or plain HTTP (readFailure). Every error of an answer
// is built here, secrets masked, by the functions at the end.
import { quotaFields } from "../generated/operations.js";
import { validatePartnerError, validateQuotaExceededError } from "../generated/validators.js";
import {
  type ApiError,
  type HttpError,
  type PartnerClientError,
  type PartnerResult,
  type QuotaStatus,
  type Sent,
  type UnexpectedResponseError,
  cut,
  failure,
} from "./errors.js";
import type { Attempt, Outcome } from "./attempt.js";
import { parseRetryAfter } from "./retry.js";
import { brokenRules, rule } from "./validation.js";

type Fail = { data?: undefined; error: PartnerClientError };
type Quota = NonNullable<ApiError["quota"]>;

// Partner methods answer failures with HTTP 200 too (`x-failure-style: inside-200`): the body,
// not the status, decides. Instance methods' 200 is the result; an error body there is still an error.
/** A 2xx answer's text as the method's result, or the error it is. */
export function readSuccess<T>(attempt: Attempt, text: string, status: number, headers: Headers): PartnerResult<T> {
  const { op } = attempt.plan;
  if (!text) return unexpected(attempt, "the body is empty", "", status, headers);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return unexpected(attempt, "the body is not JSON", text, status, headers);
  }
  const errorFirst = op.failureStyle === "inside-200";
  // Only a body with a `code` can be GREEN-API's error (validatePartnerError builds an error object
  // for each field a result lacks: measurable on every call of a partner method).
  if (errorFirst && (parsed as { code?: unknown } | null)?.code !== undefined && validatePartnerError(parsed))
    return apiError(attempt, parsed as ApiError, status, headers);
  if (op.validateSuccess(parsed)) return { data: parsed as T };
  const errors = brokenRules(op.validateSuccess);
  if (!errorFirst && validatePartnerError(parsed)) return apiError(attempt, parsed as ApiError, status, headers);
  const why = errors
    .slice(0, 3)
    .map(
      (e) =>
        `${e.instancePath || "body"} ${e.keyword === "required" ? `lacks ${String(e.params.missingProperty)}` : rule(e)}`,
    );
  const digits = errors.some((e) => e.keyword === "maximum" && e.params.limit === Number.MAX_SAFE_INTEGER)
    ? unsafeIntegers(text)
    : [];
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : "";
  const reason = digits.length
    ? `it holds ${digits.join(", ")}, beyond 2^53 - 1: JSON in JavaScript cannot carry it exactly, so it is not handed back rounded`
    : `not what ${op.operationId} answers (${why.join("; ")}${more})`;
  return unexpected(attempt, reason, text, status, headers);
}

/** A non-2xx answer (its body already read into `attempt.errorText`) as the error it is. */
export function readFailure(attempt: Attempt, status: number, headers: Headers | undefined): Fail {
  const text = attempt.errorText;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (validatePartnerError(parsed)) return apiError(attempt, parsed as ApiError, status, headers);
  if (isQuotaBody(parsed)) return quotaError(attempt, parsed, status, headers);
  const { operationId } = attempt.plan.op;
  const excerpt = attempt.plan.mask().excerpt(text);
  return httpError(
    attempt,
    status,
    headers,
    excerpt,
    `${operationId} failed with HTTP ${status}${text ? `: ${excerpt}` : " and no body"}`,
  );
}

/** An error read from the wire is not a transport failure: never resent for that reason. */
export function fromWire<T>(result: PartnerResult<T>): Outcome<T> {
  return { result, transport: false };
}

/** Integers in a JSON text beyond what a JavaScript number carries exactly, as their digits. */
function unsafeIntegers(text: string): string[] {
  const found = text.match(/(?<![\d.])-?\d{16,}(?![\d.eE])/g) ?? [];
  return found.filter((digits) => !Number.isSafeInteger(Number(digits))).slice(0, 3);
}

/** GREEN-API's 466 body: at least one of its quota objects (the schema alone accepts any object). */
function isQuotaBody(parsed: unknown): parsed is Quota {
  if (!validateQuotaExceededError(parsed)) return false;
  return quotaFields.some((field) => {
    const quota = (parsed as Record<string, unknown>)[field];
    return quota !== null && typeof quota === "object";
  });
}

/** The fields every error of an answer carries. */
function answered(attempt: Attempt, status: number, headers: Headers | undefined) {
  const retryAfterMs = parseRetryAfter(headers?.get("Retry-After") ?? null);
  return {
    operationId: attempt.plan.op.operationId,
    sent: "yes" as Sent,
    attempts: attempt.number,
    status,
    url: attempt.plan.url(),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function apiError(
  attempt: Attempt,
  parsed: { code: number; description: string },
  status: number,
  headers: Headers | undefined,
): Fail {
  const mask = attempt.plan.mask();
  const safe = mask.value(parsed) as ApiError["body"];
  // Read from the answer itself: the masked copy keeps the first 100 fields only.
  const description = mask.within(parsed, parsed.description);
  const message = `${attempt.plan.op.operationId}: GREEN-API answered ${parsed.code} ${cut(description, 200)} (HTTP ${status})`;
  const fields = { code: parsed.code, description, body: safe, ...answered(attempt, status, headers) };
  return { error: failure<ApiError>("api", message, fields) };
}

/** A 466's quota objects: an `api` error whose message says which quota ran out. */
function quotaError(attempt: Attempt, parsed: Quota, status: number, headers: Headers | undefined): Fail {
  const quota = attempt.plan.mask().value(parsed) as Quota;
  const which = quotaFields
    .map((field) => (quota as Record<string, unknown>)[field])
    .filter((q): q is QuotaStatus => q !== null && typeof q === "object");
  const description = which
    .map((q) =>
      [q.status, q.description, q.used != null && q.total != null ? `${q.used} of ${q.total} used` : ""]
        .filter(Boolean)
        .join(": "),
    )
    .join("; ");
  const message = `${attempt.plan.op.operationId}: GREEN-API answered ${status}, a quota is used up: ${cut(description, 300)}`;
  const fields = {
    code: status,
    description: cut(description, 300),
    body: quota as Record<string, unknown>,
    quota,
    ...answered(attempt, status, headers),
  };
  return { error: failure<ApiError>("api", message, fields) };
}

/** A 2xx answer that is not the method's result nor an error; `message` replaces the usual wording. */
export function unexpected(
  attempt: Attempt,
  reason: string,
  text: string,
  status: number,
  headers: Headers | undefined,
  message?: string,
): Fail {
  const mask = attempt.plan.mask();
  const said =
    message ??
    `${attempt.plan.op.operationId} got an answer that is not in the contract (HTTP ${status}): ${mask(reason)}`;
  const fields = { reason: mask(reason), excerpt: mask.excerpt(text), ...answered(attempt, status, headers) };
  return { error: failure<UnexpectedResponseError>("unexpected-response", said, fields) };
}

/** A non-2xx answer that is not GREEN-API's error body; `excerpt` is already masked. */
export function httpError(
  attempt: Attempt,
  status: number,
  headers: Headers | undefined,
  excerpt: string,
  message: string,
): Fail {
  return { error: failure<HttpError>("http", message, { excerpt, ...answered(attempt, status, headers) }) };
}

/** The same error with `cause` set: the caller's own error, masked, kept for whoever needs it. */
export function withCause<R extends { error: PartnerClientError }>(result: R, cause: Error): R {
  Object.defineProperty(result.error, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
  return result;
}
