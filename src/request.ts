// What a call sends, checked before anything is sent: the query, the body (JSON, or a multipart
// form with a file), the call's own options. One `Plan` per call; every attempt reads it.
import { secretParameters } from "../generated/operations.js";
import {
  type InvalidRequestError,
  type Masker,
  type TimeoutError,
  type Violation,
  cut,
  describe,
  failure,
  maskedCause,
  masker,
  secretValuesIn,
} from "./errors.js";
import type { CallOptions, CallParams, CoreState, Operation } from "./executor.js";
import { type RetryPolicy, retryPolicy } from "./retry.js";
import { check } from "./validation.js";
import { wholeMs } from "./timing.js";

/** A call, prepared: what every attempt of it sends, and how its errors are worded. */
export interface Plan {
  core: CoreState;
  op: Operation;
  /** The host this operation is sent to (`op.server`: the media host for an upload). */
  baseUrl: string;
  /** Path values (the core's and the call's) and the query, for openapi-fetch. */
  params: { path: Record<string, string | number>; query?: Record<string, string | number> | undefined };
  /** The body as sent: JSON text serialised once, or a multipart form. */
  body: string | FormData | undefined;
  /** The time limit of the whole call, in milliseconds. */
  limit: number;
  /** Retries: `undefined` for a method never resent, or when turned off. */
  policy: RetryPolicy | undefined;
  /** The request's URL, every secret path value masked: safe to print. Built when an error needs it. */
  url(): string;
  /** The core's secrets and those the body sends (a `webhookUrlToken`), masked in whatever an answer echoes. */
  mask(): Masker;
}

const MESSAGE_VIOLATIONS = 5;
const MULTIPART = "multipart/form-data";

function tooMany(n: number, max: number) {
  return n > max ? `; and ${n - max} more` : "";
}

/**
 * The call's plan, or the error that ends it before anything is sent: an `invalid-request` naming
 * every field of the query and the body that breaks the contract, or a `timeout` for a signal
 * already aborted. A bad call option (`timeoutMs`, `retry`) throws a `TypeError`: a programming error.
 */
export function prepare(
  core: CoreState,
  op: Operation,
  input: unknown,
  call: CallOptions,
  params: CallParams,
): Plan | { error: InvalidRequestError | TimeoutError } {
  const { operationId } = op;
  const path = params.path ? { ...params.path, ...core.pathValues } : core.pathValues;
  const query = params.query;
  const multipart = op.requestMediaType === MULTIPART;
  const sent = multipart ? formOf(op, input, core.mask) : serialise(op, input, core.mask);
  const violations = [...checkQuery(op, query, core.mask), ...sent.violations];
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
  let url: string | undefined;
  let mask: Masker | undefined;
  const baseUrl = op.server === "mediaUrl" ? core.mediaUrl : core.baseUrl;
  const plan: Plan = {
    core,
    op,
    baseUrl,
    params: query ? { path, query } : { path },
    body: sent.body,
    limit: call.timeoutMs === undefined ? core.timeoutMs : wholeMs(call.timeoutMs, "timeoutMs", operationId),
    policy: !op.retrySafe ? undefined : call.retry === undefined ? core.retry : retryPolicy(call.retry, operationId),
    url: () => (url ??= urlOf(baseUrl, op, path, query)),
    mask: () => (mask ??= maskFor(core, sent.body)),
  };
  if (call.signal?.aborted) {
    const message = `${operationId} was not sent: the caller's signal was already aborted`;
    const fields = { operationId, sent: "no" as const, attempts: 0, url: plan.url(), by: "signal" as const };
    const cause = maskedCause(call.signal.reason, plan.mask());
    return { error: failure<TimeoutError>("timeout", message, { ...fields, timeoutMs: plan.limit }, cause) };
  }
  return plan;
}

/** The core's masker, or one that also masks the secrets the body sends (a `webhookUrlToken`). */
function maskFor(core: CoreState, body: string | FormData | undefined): Masker {
  const sent = typeof body === "string" ? secretValuesIn(body) : [];
  return sent.length ? masker([...core.secrets, ...sent]) : core.mask;
}

/** The request's URL with every secret path value masked, and its query: safe to print. */
function urlOf(
  baseUrl: string,
  op: Operation,
  values: Record<string, string | number>,
  query: Record<string, string | number> | undefined,
): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    (secretParameters as readonly string[]).includes(name) ? "***" : encodeURIComponent(String(values[name])),
  );
  const search = query
    ? new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString()
    : "";
  return baseUrl + path + (search ? `?${search}` : "");
}

/**
 * The query checked against the operation's query parameters, as the body is against its schema:
 * `receiveTimeout must be <= 60`; a name the operation has no parameter for is refused too.
 */
export function checkQuery(
  op: Pick<Operation, "operationId" | "queryParams" | "validateQuery">,
  query: Record<string, unknown> | undefined,
  mask: (text: string) => string = (text) => text,
): Violation[] {
  const owner = `${op.operationId}'s query`;
  if (op.validateQuery) return masked(check(op.validateQuery, query ?? {}, "query", owner), mask);
  if (!op.queryParams || query === undefined) return [];
  // An operation without query parameters has no validator: any name given is not one of them.
  return Object.keys(query).map((field) => ({
    field: mask(field),
    rule: "additionalProperties",
    message: `${mask(field)} is not a field of ${owner}`,
  }));
}

function masked(violations: Violation[], mask: (text: string) => string): Violation[] {
  // A field name is the caller's text: a secret pasted as a key is masked like any other.
  return violations.map((v) => ({ ...v, field: mask(v.field), message: mask(v.message) }));
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
  // Parsed back, so that the validator sees the very bytes sent (a few microseconds for a body).
  const sent = body === undefined ? undefined : JSON.parse(body);
  return { body, violations: masked(check(op.validateRequest, sent, "body", `${op.operationId}'s body`), mask) };
}

/** Accepts any object: the text fields of a multipart operation that has no validator of its own. */
const anyObject = Object.assign((value: unknown) => value !== null && typeof value === "object", { errors: null });

/** What a multipart operation's file may be: what a Node or browser app holds. */
export type FileInput = Blob | Uint8Array | ArrayBuffer;

/** A file's size in bytes, read from the value, never by reading it; `undefined` for anything else. */
function sizeOf(file: unknown): number | undefined {
  if (typeof Blob !== "undefined" && file instanceof Blob) return file.size;
  if (file instanceof Uint8Array || file instanceof ArrayBuffer) return file.byteLength;
  return undefined;
}

/**
 * A multipart operation's input as a `FormData`: the text fields validated by `op.validateRequest`
 * (the file left out), the file checked by its type and size (at most `op.maxFileBytes`, read from
 * `.size`/`.byteLength`). A `Blob` (`fs.openAsBlob`, a browser `File`) is appended as it is, so fetch
 * streams it from where it lies; bytes become one Blob. The file is named by the `fileName` field,
 * or else by the File's own name, which must then keep the `fileName` rule (a violation names
 * `fileName`).
 */
export function formOf(
  op: Pick<Operation, "operationId" | "validateRequest" | "fileField" | "maxFileBytes">,
  input: unknown,
  mask: (text: string) => string = (text) => text,
): { body?: FormData; violations: Violation[] } {
  const fileField = op.fileField ?? "file";
  const given = input !== null && typeof input === "object" ? (input as Record<string, unknown>) : undefined;
  if (!given)
    return { violations: [{ field: "body", rule: "type", message: `${op.operationId}'s input must be an object` }] };
  const { [fileField]: file, ...fields } = given;
  // The text fields, serialised once and validated as serialised (an operation without a
  // validator of its own still sends only what JSON can carry).
  const serialised = op.validateRequest
    ? serialise(op, fields, mask)
    : serialise({ operationId: op.operationId, validateRequest: anyObject }, fields, mask);
  const violations = [...serialised.violations];
  // Without a fileName field, the part is named by the File's own name: the same rule applies to it.
  const own = (file as { name?: unknown } | undefined)?.name;
  if (fields.fileName === undefined && typeof own === "string" && op.validateRequest)
    for (const v of serialise(op, { ...fields, fileName: own }, mask).violations)
      if (v.field === "fileName" && v.rule !== "additionalProperties")
        violations.push({ ...v, message: `${v.message} (the File's own name, used as fileName)` });
  const size = sizeOf(file);
  if (file === undefined) violations.push({ field: fileField, rule: "required", message: `${fileField} is required` });
  else if (size === undefined)
    violations.push({
      field: fileField,
      rule: "type",
      message: `${fileField} must be a Blob, a File, a Uint8Array or an ArrayBuffer`,
    });
  else if (op.maxFileBytes !== undefined && size > op.maxFileBytes)
    violations.push({
      field: fileField,
      rule: "maxFileBytes",
      message: `${fileField} must be at most ${op.maxFileBytes} bytes (it has ${size})`,
    });
  if (violations.length || serialised.body === undefined) return { violations };
  const form = new FormData();
  // The text fields as they were validated: the serialised copy, so that a getter cannot change them.
  for (const [name, value] of Object.entries(JSON.parse(serialised.body) as Record<string, unknown>))
    form.append(name, typeof value === "string" ? value : JSON.stringify(value));
  const fileName = typeof fields.fileName === "string" ? fields.fileName : typeof own === "string" ? own : fileField;
  // A Blob is appended as it is (no copy: fetch streams it); bytes are wrapped once.
  const blob = file instanceof Blob ? file : new Blob([file as BlobPart]);
  form.append(fileField, blob, fileName);
  return { body: form, violations };
}
