// The receiver's shapes: what GREEN-API sends (from generated/), what handlers get, what the
// receiver reports, and the de-duplication store's contract.
import type { components } from "../generated/types.js";
import type {
  KnownMessageData as GeneratedKnownMessageData,
  KnownNotification as GeneratedKnownNotification,
  webhookTypes,
} from "../generated/webhooks.js";
import type { Violation } from "./errors.js";

export type { Violation };
/** One notification as the spec describes it: a union on `typeWebhook`, with an open branch for types it does not know yet. */
export type Notification = components["schemas"]["Notification"];
/** The `typeWebhook` values the spec knows. */
export type TypeWebhook = (typeof webhookTypes)[number];
/** The notification of one `typeWebhook`. */
export type NotificationOf<T extends TypeWebhook> = Extract<Notification, { typeWebhook: T }>;
/**
 * A notification of a type the spec knows: a union that narrows on `typeWebhook` with `===` or
 * `switch`. The whole `Notification` keeps an open branch (`string & {}`), which TypeScript cannot
 * narrow away: test with `isKnownNotification` first.
 */
export type KnownNotification = GeneratedKnownNotification;
/** A message's `messageData` of a kind the spec knows: narrows on `typeMessage`; see `isKnownMessageData`. */
export type KnownMessageData = GeneratedKnownMessageData;

/** What the receiver knows of a notification besides its body. */
export interface Delivery {
  /** Every way the notification breaks the spec; empty when it matches. It is dispatched either way. */
  violations: Violation[];
  /**
   * Its de-duplication key (`typeWebhook`, then the values `dedupKeys` names as a JSON array), or
   * undefined when it has none: a type with no key, a value missing, or a number that is not a safe
   * integer (an `idInstance` beyond 2^53 − 1 reaches JavaScript rounded, so two notifications would
   * share one key). A notification with no key is dispatched every time it arrives, never skipped
   * as a duplicate.
   */
  key: string | undefined;
}

export type Handler<N> = (notification: N, delivery: Delivery) => unknown;

/** Why the receiver did not answer 200, or what went wrong after it did, for `onError`. Never holds a token nor the Authorization header. */
export interface WebhookError extends Error {
  name: "WebhookError";
  /** The HTTP status answered (200 for a body acknowledged without being dispatched, or a store that failed after the handlers ran). */
  status: number;
  /**
   * Why, in one word: `handler` (a handler threw or rejected), `timeout` (the handlers outran
   * `handlerTimeoutMs`), `store` (the de-duplication store failed or did not settle within
   * `storeTimeoutMs`), `token-lookup` (the webhookUrlToken function failed or did not settle),
   * `not-json` (an authenticated body that is not a JSON object: acknowledged with 200 and never
   * dispatched, the body in `body`), `slow-body` (the body did not arrive within `bodyTimeoutMs`),
   * `answer` (node:http: the answer could not be written, the response being already sent or
   * closed), `internal` (anything else thrown inside the receiver: answered 500).
   */
  reason:
    | "method"
    | "media-type"
    | "too-large"
    | "slow-body"
    | "unreadable"
    | "unauthorized"
    | "token-lookup"
    | "not-json"
    | "in-progress"
    | "store"
    | "handler"
    | "timeout"
    | "answer"
    | "internal";
  /** The notification's de-duplication key, once known. */
  key?: string;
  /** What a handler threw, or the store's error: your own error, as it was. */
  cause?: unknown;
  /** For `not-json`: the body as it came (its text when it is not JSON, the parsed value when it is not an object), so that it is not lost. */
  body?: unknown;
}

/** A de-duplication store shared by every receiver process that should see a notification once. */
export interface DedupStore {
  /**
   * Claims a key before its handlers run: `new` (claimed: dispatch), `done` (handled already:
   * answer 200, dispatch nothing), `busy` (another process is handling it now: answer 503, so
   * GREEN-API resends it later). Must be atomic across processes.
   */
  claim(key: string): Promise<"new" | "done" | "busy"> | "new" | "done" | "busy";
  /** Records the key as handled: its handlers all resolved. */
  complete(key: string): Promise<unknown> | void;
  /** Forgets a claim whose handler failed, so that GREEN-API's resend is dispatched again. */
  release(key: string): Promise<unknown> | void;
}

export interface StoreOptions {
  /** How long a handled key is remembered, in ms. Default: as long as GREEN-API keeps a notification in its queue (`webhookDelivery.keptForMs`). */
  ttlMs?: number | undefined;
  /** How long a claim holds while its handlers run (a crashed process frees it after this), in ms. Default: as long as GREEN-API waits for an answer (`webhookDelivery.answerWithinMs`). */
  leaseMs?: number | undefined;
}

export interface WebhookReceiverOptions {
  /**
   * The instance's `webhookUrlToken`, which GREEN-API sends as `Authorization: Bearer <token>`; or a
   * function of `idInstance` giving each instance's token (undefined: unknown instance, 401); or
   * `false` to accept notifications with no token check at all (say so only when something in
   * front of the receiver checks it). A token that breaks `webhookUrlTokenRule` (a leading or
   * trailing space, a letter a header cannot carry byte for byte) could never match: a string is
   * refused here with a TypeError, one a function gives is answered 401 and reported.
   */
  webhookUrlToken: string | ((idInstance: number) => string | undefined | Promise<string | undefined>) | false;
  /** Where handled keys are remembered: default `memoryStore()`; `false` dispatches every duplicate. */
  store?: DedupStore | false | undefined;
  /** The largest body accepted, in bytes; a larger one is answered 413. Default 1 MiB. */
  maxBodyBytes?: number | undefined;
  /**
   * How long the handlers of one notification may take, in milliseconds, before the receiver
   * answers 503 (GREEN-API resends it later) and frees its claim, so the resend is dispatched
   * again. Default: 30 s less than GREEN-API waits for an answer (`webhookDelivery.answerWithinMs`),
   * which leaves room for the store. A handler cannot be stopped: it runs on, and when it finishes
   * it does not mark the notification handled. A whole number from 1 to 2147483647.
   */
  handlerTimeoutMs?: number | undefined;
  /**
   * How long each call to the store (claim, complete, release) and to a `webhookUrlToken` function
   * may take, in milliseconds, so that every delivery is answered within a bound whatever they do.
   * A claim or a token lookup that does not settle in time is answered 503 (a claim that settles
   * later is released); a `complete` that does not, after the handlers ran, is answered 200 and
   * reported: the notification was handled, and a 503 would have it handled twice. Default 5000.
   */
  storeTimeoutMs?: number | undefined;
  /**
   * How long the body may take to arrive, in milliseconds, from the moment it is first read: a
   * sender that stalls is answered 408 and the connection closed (node:http), nothing dispatched.
   * Default 30000; GREEN-API sends a whole body at once, so only a slow or hostile sender meets it.
   * A whole number from 1 to 2147483647.
   */
  bodyTimeoutMs?: number | undefined;
  /** Called for every answer other than 200, for a body acknowledged without dispatch, and for a store that failed after a 200; never throws into the receiver. */
  onError?: ((error: WebhookError) => void) | undefined;
}

/**
 * What `receive` made of one notification:
 * - `handled`: every handler resolved (HTTP: 200);
 * - `duplicate`: handled before, dispatched to nothing (200);
 * - `unreadable`: not a JSON object, so never dispatched; handed to `onError` (200, so that
 *   GREEN-API's queue moves on: it would resend it for as long as it keeps it otherwise);
 * - `busy`: another receiver is handling it now (503, resent later);
 * - `failed`: a handler failed (500) or the store did (503): nothing remembered, resent later;
 * - `timeout`: the handlers outran `handlerTimeoutMs` (503), the claim freed.
 */
export interface Receipt {
  status: "handled" | "duplicate" | "unreadable" | "busy" | "failed" | "timeout";
  /** Whether GREEN-API should be told it arrived: a webhook gets 200, a polled notification is deleted. */
  acknowledged: boolean;
  /** Every way it breaks the spec (empty when it matches, or when it is unreadable). */
  violations: Violation[];
  /** Its de-duplication key, when it has one. */
  key: string | undefined;
  /** What `onError` got, when it was called (its `status` is the HTTP answer). */
  error?: WebhookError;
}

/** node:http's request and response, as much of them as the receiver uses (Express's too). */
export interface NodeRequest {
  method?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  readableEnded?: boolean | undefined;
  /** node:http: the whole message has arrived (then its body is in memory, and no timer is needed to bound it). */
  complete?: boolean | undefined;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "error" | "close", listener: (error?: Error) => void): unknown;
  resume(): unknown;
}
export interface NodeResponse {
  headersSent?: boolean | undefined;
  writableEnded?: boolean | undefined;
  destroyed?: boolean | undefined;
  writeHead(status: number, headers: Record<string, string>): { end(body: Uint8Array): unknown };
}

export interface WebhookReceiver {
  /** Handles one notification for `typeWebhook`; several handlers of one type all run. */
  on<T extends TypeWebhook>(typeWebhook: T, handler: Handler<NotificationOf<T>>): WebhookReceiver;
  /** Handles every notification, known or not (an unknown `typeWebhook` comes here only). */
  onAny(handler: Handler<Notification>): WebhookReceiver;
  /**
   * The receiver without HTTP: validates, de-duplicates and dispatches one notification (a parsed
   * body, already authenticated), as the HTTP handlers and `receiveNotifications`' receiver mode
   * do. Never rejects.
   */
  receive(notification: unknown): Promise<Receipt>;
  /** The web-standard handler: Node 20's fetch, Hono, Next.js route handlers, Workers, Deno, Bun. Never rejects. */
  fetch(request: Request): Promise<Response>;
  /** The node:http and Express handler; resolves once the answer is written. Never rejects. */
  node(req: NodeRequest, res: NodeResponse): Promise<void>;
}
