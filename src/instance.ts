// The instance client: one typed line per instance method over the same executor as the partner
// methods, and the helpers of the partner's journey (wait for a state, link a phone).
import type { Client } from "openapi-fetch";
import * as operations from "../generated/operations.js";
import type { operations as Operations, paths } from "../generated/types.js";
import { validateApiTokenInstance, validateIdInstance } from "../generated/validators.js";
import {
  type PartnerClientError,
  type PartnerResult,
  type Sent,
  type TimeoutError,
  type UnexpectedResponseError,
  failure,
} from "./errors.js";
import {
  type CallOptions,
  type Core,
  DEFAULT_TIMEOUT_MS,
  type Operation,
  type TransportOptions,
  createCore,
  defaultMediaUrl,
  transientAnswer,
} from "./executor.js";
import { MAX_TIMER_MS, sleep, wholeMs } from "./timing.js";
import { type SendingMethods, sendingMethodsOf } from "./sending.js";

/** What an operation answers with HTTP 200, from the spec. */
type Answer<Op extends keyof Operations> = Operations[Op]["responses"] extends {
  200: { content: { "application/json": infer A } };
}
  ? A
  : never;
type Body<Op extends keyof Operations> = Operations[Op]["requestBody"] extends
  { content: { "application/json": infer B } } | undefined
  ? B
  : never;

/** `{stateInstance}`, or `null` while the instance is still being created (up to about 5 minutes). */
export type GetStateInstanceAnswer = Answer<"getStateInstance">;
export type StateInstanceValue = NonNullable<GetStateInstanceAnswer>["stateInstance"];
export type QrAnswer = Answer<"qr">;
export type AuthorizationCodeAnswer = Answer<"getAuthorizationCode">;
export type GetAuthorizationCodeRequest = Body<"getAuthorizationCode">;
export type InstanceSettingsAnswer = Answer<"getSettings">;
export type SetSettingsRequest = Body<"setSettings">;
export type SettingsSavedAnswer = Answer<"setSettings">;
export type LogoutAnswer = Answer<"logout">;
export type RebootAnswer = Answer<"reboot">;
export type ReceiveNotificationAnswer = Answer<"receiveNotification">;
export type DeleteNotificationAnswer = Answer<"deleteNotification">;

export interface InstanceClientOptions extends TransportOptions {
  /** The instance's id, from createInstance, getInstances or the console. */
  idInstance: number;
  /** **Secret.** The instance's API token; it never appears in an error. */
  apiTokenInstance: string;
  /**
   * The instance's `apiUrl` from the console; defaults to GREEN-API's universal host (the spec's
   * `apiUrl` server variable). createInstance does not return it.
   */
  apiUrl?: string | undefined;
  /**
   * The instance's `mediaUrl` from the console, the host of uploads (sendFileByUpload). Defaults
   * to GREEN-API's media host (the spec's `mediaUrl` server variable) when `apiUrl` is GREEN-API's
   * or not given, and to `apiUrl` itself otherwise (a mock, a proxy, a sandbox).
   */
  mediaUrl?: string | undefined;
}

export interface ReceiveNotificationOptions extends CallOptions {
  /** How long GREEN-API holds the request open for a notification, in seconds (5 to 60; GREEN-API's default 5). */
  receiveTimeout?: number | undefined;
}

export interface InstanceClient extends SendingMethods {
  /** The instance's state; `data` is `null` while it is still being created. Safe to resend. */
  getStateInstance(options?: CallOptions): Promise<PartnerResult<GetStateInstanceAnswer>>;
  /** A QR code to link a phone (`type: "qrCode"`, a base64 PNG: see `qrDataUrl`), `alreadyLogged` or `error`. */
  qr(options?: CallOptions): Promise<PartnerResult<QrAnswer>>;
  /** WhatsApp: a pairing code for the phone number (digits, international, no `+`). Never resent: each call issues a new code. */
  getAuthorizationCode(
    request: GetAuthorizationCodeRequest,
    options?: CallOptions,
  ): Promise<PartnerResult<AuthorizationCodeAnswer>>;
  /** The instance's settings. `webhookUrlToken` comes back in clear: a secret. */
  getSettings(options?: CallOptions): Promise<PartnerResult<InstanceSettingsAnswer>>;
  /** Changes settings (at least one); the instance restarts and takes up to 5 minutes to apply them. Never resent. */
  setSettings(settings: SetSettingsRequest, options?: CallOptions): Promise<PartnerResult<SettingsSavedAnswer>>;
  /** Logs the linked phone out. Do it before deleteInstanceAccount. */
  logout(options?: CallOptions): Promise<PartnerResult<LogoutAnswer>>;
  /** Restarts the instance. Never resent. */
  reboot(options?: CallOptions): Promise<PartnerResult<RebootAnswer>>;
  /** The next notification of the queue (`null`: none within `receiveTimeout`); only when `webhookUrl` is `""`. */
  receiveNotification(options?: ReceiveNotificationOptions): Promise<PartnerResult<ReceiveNotificationAnswer>>;
  /** Deletes a received notification by its `receiptId`, once it is handled. */
  deleteNotification(
    request: { receiptId: number },
    options?: CallOptions,
  ): Promise<PartnerResult<DeleteNotificationAnswer>>;
  /** The instance's id. */
  idInstance: number;
  /** The base URL in use (the instance's `apiUrl`). */
  apiUrl: string;
  /** The media host in use, where uploads go (the instance's `mediaUrl`). */
  mediaUrl: string;
  /** The openapi-fetch client underneath, typed from the spec, for middleware (`raw.use`). */
  raw: Client<paths>;
}

const WHERE = "createInstanceClient";

/** The instance family's core: checks the instance's id, token and host, and builds the executor. */
export function createInstanceCore(
  options: InstanceClientOptions,
  shared: { alsoMask?: readonly string[]; raw?: Client<paths> } = {},
): InstanceCore {
  const { idInstance, apiTokenInstance } = options ?? ({} as InstanceClientOptions);
  if (typeof idInstance !== "number" || !validateIdInstance(idInstance))
    throw new TypeError(
      `${WHERE}: idInstance must be a whole number from 1 to 2^53 - 1 (the id createInstance or getInstances gave)`,
    );
  if (typeof apiTokenInstance !== "string")
    throw new TypeError(
      `${WHERE}: apiTokenInstance is required, as a string (from createInstance, getInstances or the console)`,
    );
  // Refused at once, and never printed: a token that breaks the rule could change the request's path.
  if (!validateApiTokenInstance(apiTokenInstance))
    throw new TypeError(`${WHERE}: apiTokenInstance ${operations.parameterRules.apiTokenInstance}`);
  const core = createCore({
    ...options,
    where: WHERE,
    baseUrlName: "apiUrl",
    baseUrl: options.apiUrl ?? operations.serverDefaults.apiUrl,
    mediaUrl: options.mediaUrl ?? defaultMediaUrl(options.apiUrl),
    pathValues: { idInstance, apiTokenInstance },
    ...shared,
  });
  return { ...core, idInstance };
}

/** The executor of one instance: what `instanceClientOf` and the method functions take. */
export interface InstanceCore extends Core {
  idInstance: number;
}

/** Long polls get the time GREEN-API holds them, on top of the call's own limit. */
const LONG_POLL_MARGIN_MS = 15_000;

export function createInstanceClient(options: InstanceClientOptions): InstanceClient {
  return instanceClientOf(createInstanceCore(options));
}

/** The client over a core; `createPartnerClient`'s `instance()` builds the core with the partner token masked too. */
export function instanceClientOf(core: InstanceCore): InstanceClient {
  return {
    getStateInstance: (call) => core.execute(operations.getStateInstance, undefined, call),
    qr: (call) => core.execute(operations.qr, undefined, call),
    getAuthorizationCode: (request, call) => core.execute(operations.getAuthorizationCode, request, call),
    getSettings: (call) => core.execute(operations.getSettings, undefined, call),
    setSettings: (settings, call) => core.execute(operations.setSettings, settings, call),
    logout: (call) => core.execute(operations.logout, undefined, call),
    reboot: (call) => core.execute(operations.reboot, undefined, call),
    receiveNotification: ({ receiveTimeout, ...call } = {}) => {
      if (receiveTimeout === undefined) return core.execute(operations.receiveNotification, undefined, call);
      // A long poll gets the time GREEN-API holds it open, unless the call says otherwise; a
      // receiveTimeout out of the spec's bounds is refused by the query's check, naming it.
      const holds = Number.isInteger(receiveTimeout) && receiveTimeout > 0 ? receiveTimeout * 1000 : 0;
      const timeoutMs = call.timeoutMs ?? Math.min(holds + LONG_POLL_MARGIN_MS, MAX_TIMER_MS);
      return core.execute(
        operations.receiveNotification,
        undefined,
        { ...call, timeoutMs },
        { query: { receiveTimeout } },
      );
    },
    deleteNotification: ({ receiptId }, call) =>
      core.execute(operations.deleteNotification, undefined, call, { path: { receiptId } }),
    ...sendingMethodsOf(core),
    idInstance: core.idInstance,
    apiUrl: core.baseUrl,
    mediaUrl: core.mediaUrl,
    raw: core.raw,
  };
}

/** A QR answer's image as a `data:` URL for an `<img src>`; undefined unless `type` is `qrCode`. */
export function qrDataUrl(qr: QrAnswer): string | undefined {
  return qr.type === "qrCode" && typeof qr.message === "string" ? `data:image/png;base64,${qr.message}` : undefined;
}

export interface WaitOptions {
  /** How long to wait in all, in milliseconds. Default: GREEN-API's time for a new instance to start (the spec's `x-poll` of getStateInstance, `timeoutMs`). */
  timeoutMs?: number | undefined;
  /** Time between two polls, in milliseconds. Default: GREEN-API's advice (the spec's `x-poll` of the method polled, `intervalMs`); at least 100, for tests against a mock: keep seconds against GREEN-API. */
  intervalMs?: number | undefined;
  /** Ends the wait; the result is then a `timeout` error with `by: "signal"`. */
  signal?: AbortSignal | undefined;
}

export interface WaitForStateOptions extends WaitOptions {
  /** Called with each state seen that differs from the one before (`null`: still being created). */
  onState?: ((state: StateInstanceValue | null) => void) | undefined;
}

/** A wait that ended without reaching its goal: the last state seen is kept. */
export interface WaitTimeoutError extends TimeoutError {
  /** The last state seen: `null` while the instance was being created, `undefined` if none was read. */
  lastState?: StateInstanceValue | null;
}

/**
 * What a wait resolves with: its goal, or an error; a `timeout` error (the wait's time ran out or
 * its signal aborted) is a `WaitTimeoutError`, with `lastState` where the wait reads states.
 * `sent` says what the polls did: `"yes"` once one was answered, `"maybe"` when none was but one
 * may have reached GREEN-API, `"no"` when none left.
 */
export type WaitResult<T> =
  | { data: T; error?: undefined }
  | { data?: undefined; error: Exclude<PartnerClientError, TimeoutError> | WaitTimeoutError };

/** The shortest pause between polls: short enough for tests against a mock, long enough never to spin. */
const MIN_INTERVAL_MS = 100;

/**
 * Answers that mean "not yet" to a wait on `op`, not failure: a lost connection, a poll that
 * timed out, a status the spec calls transient (`x-transient-statuses`: 429, 5xx) or one it says
 * a starting instance gives (`x-not-ready-statuses`: 400 "starting"/"expired", 499). 401, 403,
 * 466 and the rest end the wait.
 */
export function notYet(error: PartnerClientError, op: Pick<Operation, "notReadyStatuses">): boolean {
  if (error.kind === "network" || error.kind === "timeout") return true;
  if (error.kind !== "api" && error.kind !== "http") return false;
  return transientAnswer(error) || op.notReadyStatuses.includes(String(error.status));
}

/** The most a set of polls did: one answered is `yes`, one that may have arrived `maybe`. */
const SENT_ORDER: readonly Sent[] = ["no", "maybe", "yes"];
const most = (a: Sent, b: Sent): Sent => (SENT_ORDER.indexOf(a) >= SENT_ORDER.indexOf(b) ? a : b);

/** Polls `poll` until `done` says so, the deadline passes or the signal aborts; never two polls at once. */
async function pollUntil<T, R>(
  name: string,
  op: Pick<Operation, "notReadyStatuses">,
  poll: (call: CallOptions) => Promise<PartnerResult<T>>,
  decide: (data: T) => { done: R } | undefined,
  options: WaitOptions & { timeoutMs: number; intervalMs: number },
  lastSeen: () => Partial<WaitTimeoutError>,
): Promise<WaitResult<R>> {
  const { timeoutMs, intervalMs, signal } = options;
  wholeMs(timeoutMs, "timeoutMs", name);
  wholeMs(intervalMs, "intervalMs", name, MIN_INTERVAL_MS);
  const endsAt = Date.now() + timeoutMs;
  let attempts = 0;
  let sent: Sent = "no"; // from the polls' own results, never assumed
  const ended = (by: "timeout" | "signal"): WaitResult<R> => {
    const message =
      by === "signal"
        ? `${name} was stopped by the caller's signal`
        : `${name} did not reach its goal within ${timeoutMs} ms`;
    const fields = { operationId: name, sent, attempts, url: "", by, timeoutMs };
    return { error: Object.assign(failure<TimeoutError>("timeout", message, fields), lastSeen()) };
  };
  for (;;) {
    if (signal?.aborted) return ended("signal");
    const left = endsAt - Date.now();
    if (left <= 0) return ended("timeout");
    attempts++;
    // No retries inside a poll: the loop is the retry, at `intervalMs`, never faster.
    const result = await poll({ signal, timeoutMs: Math.min(left, DEFAULT_TIMEOUT_MS), retry: false });
    sent = most(sent, result.error ? result.error.sent : "yes");
    if (result.error) {
      if (result.error.kind === "timeout" && result.error.by === "signal") return ended("signal");
      if (!notYet(result.error, op)) return result as WaitResult<R>;
    } else {
      const decided = decide(result.data);
      if (decided) return { data: decided.done };
    }
    const wait = Math.min(intervalMs, endsAt - Date.now());
    if (wait > 0 && !(await sleep(wait, signal))) return ended("signal");
  }
}

/**
 * Polls getStateInstance until the instance is in one of `states` (`"notAuthorized"` after
 * createInstance, `"authorized"` after the phone is linked). `null` (still being created),
 * `starting` and the answers of a starting instance mean "not yet". Resolves with the state
 * reached, or a `timeout` error holding the last state seen; another failure (a wrong token: 401)
 * ends the wait at once.
 */
export async function waitForState<S extends StateInstanceValue>(
  instance: Pick<InstanceClient, "getStateInstance">,
  states: S | readonly S[],
  options: WaitForStateOptions = {},
): Promise<WaitResult<{ stateInstance: S }>> {
  const wanted: readonly string[] = typeof states === "string" ? [states] : states;
  let last: StateInstanceValue | null | undefined;
  return pollUntil(
    "waitForState",
    operations.getStateInstance,
    (call) => instance.getStateInstance(call),
    (answer) => {
      const state = answer === null ? null : answer.stateInstance;
      if (state !== last) options.onState?.(state);
      last = state;
      return state !== null && wanted.includes(state) ? { done: { stateInstance: state as S } } : undefined;
    },
    {
      ...options,
      // GREEN-API's advice for polling getStateInstance (the spec's x-poll): how long a new
      // instance takes to start, and how often to ask.
      timeoutMs: options.timeoutMs ?? operations.getStateInstance.poll.timeoutMs,
      intervalMs: options.intervalMs ?? operations.getStateInstance.poll.intervalMs,
    },
    () => (last === undefined ? {} : { lastState: last }),
  );
}

export interface AuthorizeByQrOptions extends WaitOptions {
  /** Called with each new QR code, as a `data:` URL for an `<img src>`. GREEN-API renews it every 20 s (WhatsApp) or 5 s (MAX, Telegram). */
  onQrCode: (dataUrl: string) => void;
}

/**
 * Shows the customer QR codes until the phone is linked: polls `qr` (as often as GREEN-API
 * recommends, the spec's `x-poll` of qr, unless told otherwise), hands each new code to `onQrCode`, and resolves when the
 * QR answers `alreadyLogged`. QR answers of type `error` mean "not yet".
 */
export async function authorizeByQr(
  instance: Pick<InstanceClient, "qr">,
  options: AuthorizeByQrOptions,
): Promise<WaitResult<{ authorized: true }>> {
  let shown: string | undefined;
  return pollUntil(
    "authorizeByQr",
    operations.qr,
    (call) => instance.qr(call),
    (answer) => {
      if (answer.type === "alreadyLogged") return { done: { authorized: true as const } };
      const url = qrDataUrl(answer);
      if (url && url !== shown) options.onQrCode((shown = url));
      return undefined;
    },
    {
      ...options,
      timeoutMs: options.timeoutMs ?? operations.getStateInstance.poll.timeoutMs,
      intervalMs: options.intervalMs ?? operations.qr.poll.intervalMs, // the spec's x-poll of qr
    },
    () => ({}),
  );
}

export interface AuthorizeByPhoneOptions extends WaitForStateOptions {
  /** Called once with the pairing code (such as `GAPI2015`) for the customer to type on the phone; valid about 2.5 minutes. */
  onCode: (code: string) => void;
}

/**
 * WhatsApp: links the customer's phone by pairing code. Asks for a code for `phoneNumber`
 * (digits, international, no `+`), hands it to `onCode`, then waits for `authorized`.
 */
export async function authorizeByPhone(
  instance: Pick<InstanceClient, "getAuthorizationCode" | "getStateInstance">,
  phoneNumber: number,
  options: AuthorizeByPhoneOptions,
): Promise<WaitResult<{ stateInstance: "authorized" }>> {
  const code = await instance.getAuthorizationCode({ phoneNumber }, { signal: options.signal });
  if (code.error) return code;
  if (!code.data.status || typeof code.data.code !== "string") {
    const fields = {
      operationId: "getAuthorizationCode",
      sent: "yes" as const,
      attempts: 1,
      status: 200,
      url: "",
      excerpt: "",
      reason: "status is false",
    };
    return {
      error: failure<UnexpectedResponseError>(
        "unexpected-response",
        "authorizeByPhone: GREEN-API gave no pairing code (status false)",
        fields,
      ),
    };
  }
  options.onCode(code.data.code);
  return waitForState(instance, "authorized", options) as Promise<WaitResult<{ stateInstance: "authorized" }>>;
}
