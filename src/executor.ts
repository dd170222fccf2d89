// The one executor every method of both families goes through, read top to bottom:
//   createCore      options checked once (host, time limit, retries, secrets)
//   execute         prepare the call (request.ts) → send attempts (attempt.ts) → retry (retry.ts)
// What differs between methods (method, path, validators, retry safety, size limit, host) comes
// from generated/operations.js, compiled from spec/; GREEN-API's quirks are handled here once.
import createClient, { type Client } from "openapi-fetch";
import { secretParameters, serverDefaults } from "../generated/operations.js";
import type { paths } from "../generated/types.js";
import type { Validator } from "../generated/validators.js";
import { type Masker, type PartnerResult, masker } from "./errors.js";
import { type Deadline, type Outcome, sendAttempt } from "./attempt.js";
import { prepare } from "./request.js";
import { type RetryPolicy, retryPolicy, retryWait } from "./retry.js";
import { sleep, unwatch, watch, wholeMs } from "./timing.js";

export { serialise } from "./request.js";
export { parseRetryAfter, transientAnswer } from "./retry.js";

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
  /** The body's validator (for a multipart operation: of its text fields, the file left out). */
  validateRequest?: Validator | undefined;
  validateSuccess: Validator;
  /** The names of the query parameters (`[]` when none). */
  queryParams?: readonly string[] | undefined;
  /** The query's validator, as an object `{name: value}`; present when `queryParams` is not empty. */
  validateQuery?: Validator | undefined;
  /** Which server variable the operation's host is: the media host for an upload. */
  server?: string | undefined;
  /** `multipart/form-data` for an upload; JSON otherwise. */
  requestMediaType?: string | null | undefined;
  /** A multipart operation's file field (`file`). */
  fileField?: string | undefined;
  /** The largest file a multipart operation takes, in bytes. */
  maxFileBytes?: number | undefined;
}

// Optional options accept `undefined` too (`baseUrl: process.env.GREEN_API_URL`), as they do at
// run time: under `exactOptionalPropertyTypes` an option typed without it would refuse that.

/** How a method that is safe to retry is retried; createInstance and the sends never are. */
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

/** How long a call waits for a whole answer unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** What a core needs to send a family's operations: where, with which path values, masking which secrets. */
export interface CoreConfig {
  /** The constructor's name, for its errors: `createPartnerClient`, `createInstanceClient`. */
  where: string;
  /** The option `baseUrl` came from, for its errors: `baseUrl`, `apiUrl`. */
  baseUrlName?: string | undefined;
  baseUrl: string;
  /** The media host, for operations on `mediaUrl` (uploads); defaults to `baseUrl`. */
  mediaUrl?: string | undefined;
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

/** A core's settings, checked once at construction; every call reads them. */
export interface CoreState {
  where: string;
  baseUrl: string;
  mediaUrl: string;
  pathValues: Record<string, string | number>;
  timeoutMs: number;
  /** The core's retry policy; `undefined`: no retries. */
  retry: RetryPolicy | undefined;
  /** The caller's fetch, or `undefined` for the global one (which is known to end on its Request's signal). */
  customFetch: typeof globalThis.fetch | undefined;
  raw: Client<paths>;
  /** The core's own secrets (path values, `alsoMask`), and their masker. */
  secrets: readonly string[];
  mask: Masker;
}

/** A core: `execute` sends any operation; the rest is what a client shows of it. */
export interface Core {
  execute<T>(op: Operation, input: unknown, call?: CallOptions, params?: CallParams): Promise<PartnerResult<T>>;
  raw: Client<paths>;
  baseUrl: string;
  mediaUrl: string;
}

/**
 * The shared core of both families. Checks every option once (a bad one throws a `TypeError`
 * naming it, the URL never printed), and returns `execute`.
 */
export function createCore(config: CoreConfig): Core {
  const state = coreState(config);
  return {
    execute: (op, input, call, params) => execute(state, op, input, call, params),
    raw: state.raw,
    baseUrl: state.baseUrl,
    mediaUrl: state.mediaUrl,
  };
}

/** A core's settings from its config, every option checked (a bad one throws a `TypeError`). */
export function coreState(config: CoreConfig): CoreState {
  const { where, pathValues } = config;
  const baseUrlName = config.baseUrlName ?? "baseUrl";
  const baseUrl = checkedBaseUrl(config.baseUrl, where, baseUrlName);
  const own = secretParameters.flatMap((name) =>
    typeof pathValues[name] === "string" ? [pathValues[name] as string] : [],
  );
  const secrets = [...own, ...(config.alsoMask ?? [])];
  return {
    where,
    baseUrl,
    mediaUrl: config.mediaUrl === undefined ? baseUrl : checkedBaseUrl(config.mediaUrl, where, "mediaUrl"),
    pathValues,
    timeoutMs: wholeMs(config.timeoutMs ?? DEFAULT_TIMEOUT_MS, "timeoutMs", where),
    retry: retryPolicy(config.retry, where),
    customFetch: config.fetch,
    // A partner client's instance clients share its openapi-fetch client, so that its middleware
    // (`partner.raw.use`, `useExample`) applies to them too; each request names its own base URL.
    raw: config.raw ?? createClient<paths>({ baseUrl }),
    secrets,
    mask: masker(secrets),
  };
}

/**
 * Sends `op` with `input` as its body (for a multipart operation: its fields and file). `params`
 * holds what varies per call: path values beyond the core's own (deleteNotification's
 * `receiptId`) and the query (receiveNotification's `receiveTimeout`). Resolves with `data` or
 * `error`, never rejects for anything the network or GREEN-API does.
 */
export async function execute<T>(
  core: CoreState,
  op: Operation,
  input: unknown,
  call: CallOptions = {},
  params: CallParams = {},
): Promise<PartnerResult<T>> {
  // 1. What is sent, checked: the query and the body (nothing is sent when either breaks the
  //    contract), the time limit, the retries, the caller's signal.
  const plan = prepare(core, op, input, call, params);
  if ("error" in plan) return plan;
  // 2. One deadline for the whole call, retries and waits included.
  const deadline = startDeadline(plan.limit, call.signal, core.customFetch === undefined);
  try {
    for (let number = 1; ; number++) {
      // 3. One attempt: fetch, then read the answer, or classify what was thrown.
      const outcome: Outcome<T> = await sendAttempt<T>(plan, number, deadline);
      // 4. Again only when the method is safe to resend and the failure may pass.
      const wait = retryWait(plan.policy, outcome, number, deadline.endsAt);
      if (wait === undefined || !(await sleep(wait, deadline.signal))) return outcome.result;
    }
  } finally {
    deadline.clear();
  }
}

/**
 * The call's deadline: one controller, joined by the caller's signal, watched by the shared timer.
 * `reusable`: only the global fetch sees the controller's signal, so that it may be reused.
 */
function startDeadline(limit: number, callerSignal: AbortSignal | undefined, reusable: boolean): Deadline {
  const pooled = reusable && !callerSignal && abortListeners !== undefined;
  const controller = (pooled && spareControllers.pop()) || new AbortController();
  // The caller's signal joins through AbortSignal.any, which holds no listener on it: a signal
  // shared by many calls collects no listeners (and no MaxListenersExceededWarning).
  const signal = callerSignal ? AbortSignal.any([controller.signal, callerSignal]) : controller.signal;
  const deadline: Deadline = {
    signal,
    endsAt: Date.now() + limit,
    expire: () => ((deadline.by ??= "timeout"), controller.abort()),
    clear: () => {
      unwatch(deadline);
      if (pooled) spare(controller);
    },
  };
  watch(deadline, limit);
  return deadline;
}

// A new AbortSignal costs about 25 k instructions (an EventTarget and its two maps), 2 % of a call
// (measured with `npm run bench`). So a call that only the global fetch sees the signal of takes a
// controller an earlier call left unaborted, once the abort listeners that call's requests put on
// it are gone (the fetch's Request follows the signal with a listener it only drops when collected):
// what Node's events.getEventListeners lists is removed, and a signal with any listener left is
// not reused. Elsewhere (a browser), each call has its own.
const abortListeners = (
  (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
    "node:events",
  ) as { getEventListeners?: (target: EventTarget, type: string) => unknown[] } | undefined
)?.getEventListeners;
const spareControllers: AbortController[] = [];
const SPARE_CONTROLLERS = 16;

function spare(controller: AbortController): void {
  const { signal } = controller;
  if (signal.aborted || spareControllers.length >= SPARE_CONTROLLERS) return;
  for (const listener of abortListeners!(signal, "abort"))
    signal.removeEventListener("abort", listener as EventListener);
  if (abortListeners!(signal, "abort").length === 0) spareControllers.push(controller);
}

/** A base URL option, checked: http(s), no credentials, no query or fragment; without its trailing slash. */
function checkedBaseUrl(baseUrl: unknown, where: string, name: string): string {
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

/**
 * The media host an instance client uses when not told: the spec's media server for an `apiUrl`
 * on GREEN-API's own domain (or none given); the `apiUrl` itself otherwise (a mock, a proxy, a
 * sandbox), so that no upload leaves for a host the caller did not name.
 */
export function defaultMediaUrl(apiUrl: string | undefined): string | undefined {
  const media = (serverDefaults as Record<string, string | undefined>).mediaUrl;
  if (apiUrl === undefined) return media;
  const domain = new URL(serverDefaults.apiUrl).hostname.split(".").slice(-2).join(".");
  let host: string;
  try {
    host = new URL(apiUrl).hostname;
  } catch {
    return apiUrl; // refused by createCore, naming apiUrl
  }
  return media !== undefined && (host === domain || host.endsWith(`.${domain}`)) ? media : apiUrl;
}
