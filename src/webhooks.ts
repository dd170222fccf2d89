// `green-api-partner/webhooks`: the receiver of the notifications GREEN-API POSTs to an instance's
// `webhookUrl`. A pipeline of small steps, one web-standard core for `fetch` and node:http:
//   method and media type -> body read with a bound -> token (constant time) -> JSON -> validate
//   (violations are listed, never refused) -> de-duplicate -> dispatch -> answer.
// GREEN-API removes a notification from its queue only on a 200, and resends after any other
// answer: so a 200 goes back only once every handler resolved, and nothing here answers 4xx for
// the contract's sake (a 4xx would hold up that instance's queue, it never lets a resend succeed).
// It imports no client code: a receiver-only service bundles no openapi-fetch.
import type { components } from "../generated/types.js";
import { type Validator, validateNotification } from "../generated/validators.js";
import {
  type KnownMessageData as GeneratedKnownMessageData,
  type KnownNotification as GeneratedKnownNotification,
  dedupKeys,
  messageTypes,
  webhookTypes,
  webhookValidators,
} from "../generated/webhooks.js";
import { joinBytes, readBytes } from "./bytes.js";
import type { Violation } from "./errors.js";
import { check } from "./validation.js";
import { wholeMs } from "./timing.js";

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

/** Whether a notification is of a `typeWebhook` the spec knows: then it narrows on `typeWebhook`. */
export function isKnownNotification(notification: Notification): notification is KnownNotification {
  return (webhookTypes as readonly string[]).includes(notification.typeWebhook);
}

/** Whether a message's `messageData` is of a `typeMessage` the spec knows: then it narrows on `typeMessage`. */
export function isKnownMessageData(messageData: { typeMessage: string }): messageData is KnownMessageData {
  return (messageTypes as readonly string[]).includes(messageData.typeMessage);
}

/** What the receiver knows of a notification besides its body. */
export interface Delivery {
  /** Every way the notification breaks the spec; empty when it matches. It is dispatched either way. */
  violations: Violation[];
  /**
   * Its de-duplication key (`typeWebhook` and the values `dedupKeys` names), or undefined when it
   * has none: a type with no key, a value missing, or a number that is not a safe integer (an
   * `idInstance` beyond 2^53 − 1 reaches JavaScript rounded, so two notifications would share one
   * key). A notification with no key is dispatched every time it arrives, never skipped as a duplicate.
   */
  key: string | undefined;
}

export type Handler<N> = (notification: N, delivery: Delivery) => unknown;

/** Why the receiver did not answer 200, for `onError`. Never holds a token nor the Authorization header. */
export interface WebhookError extends Error {
  name: "WebhookError";
  /** The HTTP status answered. */
  status: number;
  /**
   * Why: the answer's cause in one word (`handler`: a handler threw or rejected; `store`: the
   * de-duplication store failed; `timeout`: the handlers outran `handlerTimeoutMs`; `slow-body`:
   * the body did not arrive within `bodyTimeoutMs`).
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
    | "timeout";
  /** The notification's de-duplication key, once known. */
  key?: string;
  /** What a handler threw, or the store's error, for `handler` and `store`: your own error, as it was. */
  cause?: unknown;
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
  /** How long a handled key is remembered. Default 24 h: GREEN-API keeps a notification in its queue that long. */
  ttlMs?: number | undefined;
  /** How long a claim holds while its handlers run (a crashed process frees it after this). Default 180 s: GREEN-API waits that long for an answer. */
  leaseMs?: number | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const ANSWER_WAIT_MS = 180_000;

/**
 * The default store: this process's memory, at most `maxKeys` keys (default 10 000). Past that,
 * the oldest handled or expired keys go first; a claim whose handler still runs (its lease not yet
 * out) is never forgotten, since its resend would then be dispatched a second time at once: when
 * every key is such a claim, the store holds more than `maxKeys` until they end, rather than answer
 * `busy` to notifications it has never seen.
 */
export function memoryStore({
  ttlMs = DAY_MS,
  leaseMs = ANSWER_WAIT_MS,
  maxKeys = 10_000,
}: StoreOptions & { maxKeys?: number | undefined } = {}): DedupStore {
  const keys = new Map<string, { done: boolean; until: number }>();
  const put = (key: string, done: boolean, ms: number) => {
    keys.delete(key); // re-inserted last: a Map keeps insertion order, so the first key is the oldest
    keys.set(key, { done, until: Date.now() + ms });
    // The oldest handled or expired keys go first; a claim whose handler still runs never does
    // (forgetting it would dispatch a resend twice at once): then the store holds more for a while.
    const now = Date.now();
    for (const [oldest, held] of keys) {
      if (keys.size <= maxKeys) break;
      if (held.done || held.until <= now) keys.delete(oldest);
    }
  };
  return {
    claim(key) {
      const held = keys.get(key);
      if (held && held.until > Date.now()) return held.done ? "done" : "busy";
      put(key, false, leaseMs);
      return "new";
    },
    complete: (key) => put(key, true, ttlMs),
    release: (key) => void keys.delete(key),
  };
}

/** Sends one Redis command: node-redis `(args) => client.sendCommand(args)`, ioredis `(args) => client.call(...args)`. */
export type RedisCommand = (args: string[]) => Promise<unknown>;

/**
 * A store in Redis (7.0 or later), shared by receivers behind a load balancer. A claim is one
 * atomic `SET key pending NX PX lease GET`: the old value tells `new` (none), `busy` (`pending`)
 * or `done`. A handled key is `SET key done PX ttl`; a failed one is deleted.
 */
export function redisStore(
  send: RedisCommand,
  {
    prefix = "green-api:webhook:",
    ttlMs = DAY_MS,
    leaseMs = ANSWER_WAIT_MS,
  }: StoreOptions & { prefix?: string | undefined } = {},
): DedupStore {
  return {
    async claim(key) {
      const old = await send(["SET", prefix + key, "pending", "NX", "PX", String(leaseMs), "GET"]);
      if (old === null || old === undefined) return "new";
      return String(old) === "done" ? "done" : "busy";
    },
    complete: (key) => send(["SET", prefix + key, "done", "PX", String(ttlMs)]),
    release: (key) => send(["DEL", prefix + key]),
  };
}

export interface WebhookReceiverOptions {
  /**
   * The instance's `webhookUrlToken`, which GREEN-API sends as `Authorization: Bearer <token>`; or a
   * function of `idInstance` giving each instance's token (undefined: unknown instance, 401); or
   * `false` to accept notifications with no token check at all (say so only when something in
   * front of the receiver checks it).
   */
  webhookUrlToken: string | ((idInstance: number) => string | undefined | Promise<string | undefined>) | false;
  /** Where handled keys are remembered: default `memoryStore()`; `false` dispatches every duplicate. */
  store?: DedupStore | false | undefined;
  /** The largest body accepted, in bytes; a larger one is answered 413. Default 1 MiB. */
  maxBodyBytes?: number | undefined;
  /**
   * How long the handlers of one notification may take, in milliseconds, before the receiver
   * answers 503 (GREEN-API resends it after 60 s) and frees its claim, so the resend is dispatched
   * again. Default 150000: below the 180 s GREEN-API waits for an answer. A handler cannot be
   * stopped: it runs on, and when it finishes it does not mark the notification handled.
   * A whole number from 1 to 2147483647 (setTimeout's limit).
   */
  handlerTimeoutMs?: number | undefined;
  /**
   * How long the body may take to arrive, in milliseconds, from the moment it is first read: a
   * sender that stalls is answered 408 and the connection closed (node:http), nothing dispatched.
   * Default 30000; GREEN-API sends a whole body at once, so only a slow or hostile sender meets it.
   * A whole number from 1 to 2147483647.
   */
  bodyTimeoutMs?: number | undefined;
  /** Called for every answer other than 200 and for a store that failed after a 200; never throws into the receiver. */
  onError?: ((error: WebhookError) => void) | undefined;
}

/** node:http's request and response, as much of them as the receiver uses (Express's too). */
interface NodeRequest {
  method?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  readableEnded?: boolean | undefined;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "error" | "close", listener: (error?: Error) => void): unknown;
  resume(): unknown;
}
interface NodeResponse {
  writeHead(status: number, headers: Record<string, string>): { end(body: Uint8Array): unknown };
}

export interface WebhookReceiver {
  /** Handles one notification for `typeWebhook`; several handlers of one type all run. */
  on<T extends TypeWebhook>(typeWebhook: T, handler: Handler<NotificationOf<T>>): WebhookReceiver;
  /** Handles every notification, known or not (an unknown `typeWebhook` comes here only). */
  onAny(handler: Handler<Notification>): WebhookReceiver;
  /** The web-standard handler: Node 20's fetch, Hono, Next.js route handlers, Workers, Deno, Bun. */
  fetch(request: Request): Promise<Response>;
  /** The node:http and Express handler; resolves once the answer is written. */
  node(req: NodeRequest, res: NodeResponse): Promise<void>;
}

/** One request, whatever server it came through. */
interface Incoming {
  method: string;
  header(name: string): string | undefined;
  /** The body's bytes, `too-large` as soon as they pass `limit`, `too-slow` when they take longer than `ms`. */
  body(limit: number, ms: number): Promise<Uint8Array | "too-large" | "too-slow">;
}
interface Answer {
  status: number;
  text: string;
  headers: Record<string, string>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** How long handlers may take before a 503: below the 180 s GREEN-API waits for an answer. */
const HANDLER_TIMEOUT_MS = 150_000;
const BODY_TIMEOUT_MS = 30_000;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const {
    webhookUrlToken,
    maxBodyBytes = MAX_BODY_BYTES,
    handlerTimeoutMs = HANDLER_TIMEOUT_MS,
    bodyTimeoutMs = BODY_TIMEOUT_MS,
    onError = () => {},
  } = options ?? ({} as WebhookReceiverOptions);
  wholeMs(handlerTimeoutMs, "handlerTimeoutMs", "");
  wholeMs(bodyTimeoutMs, "bodyTimeoutMs", "");
  if (
    webhookUrlToken !== false &&
    typeof webhookUrlToken !== "function" &&
    (typeof webhookUrlToken !== "string" || webhookUrlToken === "")
  )
    throw new TypeError(
      "webhookUrlToken must be a non-empty string, a function of idInstance, or false (no token check)",
    );
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new TypeError("maxBodyBytes must be a whole number above 0");
  const store = options.store === undefined ? memoryStore() : options.store;
  const handlers = new Map<string, Handler<never>[]>();
  const anyHandlers: Handler<Notification>[] = [];

  const refuse = (
    status: number,
    reason: WebhookError["reason"],
    message: string,
    cause?: unknown,
    key?: string,
  ): Answer => {
    report(onError, webhookError(status, reason, message, cause, key));
    return { status, text: `${message}\n`, headers: { "Content-Type": "text/plain; charset=utf-8" } };
  };

  async function authorized(header: string | undefined, notification: unknown): Promise<boolean> {
    if (webhookUrlToken === false) return true;
    let expected: string | undefined;
    if (typeof webhookUrlToken === "function") {
      const id = (notification as { instanceData?: { idInstance?: unknown } })?.instanceData?.idInstance;
      expected = Number.isSafeInteger(id) ? await webhookUrlToken(id as number) : undefined;
    } else expected = webhookUrlToken;
    if (typeof expected !== "string" || expected === "") return false;
    // GREEN-API sends `Bearer <token>`; the bare token is accepted too (the same secret, and the scheme is not documented).
    const given = header?.replace(/^\s*Bearer\s+/i, "").trim();
    return given ? sameToken(given, expected) : false;
  }

  async function handle(incoming: Incoming): Promise<Answer> {
    if (incoming.method !== "POST")
      return {
        ...refuse(405, "method", "Only POST is accepted"),
        headers: { Allow: "POST", "Content-Type": "text/plain; charset=utf-8" },
      };
    const authorization = incoming.header("authorization");
    // A single token is checked before the body is even read; a token per instance needs idInstance from it first.
    if (typeof webhookUrlToken === "string" && !(await authorized(authorization, undefined))) return unauthorized();
    const mediaType = incoming.header("content-type")?.split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "application/json") return refuse(415, "media-type", "The body must be application/json");
    const length = Number(incoming.header("content-length"));
    if (length > maxBodyBytes) return refuse(413, "too-large", `The body is larger than ${maxBodyBytes} bytes`);
    let bytes: Uint8Array | "too-large" | "too-slow";
    try {
      bytes = await incoming.body(maxBodyBytes, bodyTimeoutMs);
    } catch (error) {
      return refuse(400, "unreadable", "The body could not be read", error);
    }
    if (bytes === "too-large") return refuse(413, "too-large", `The body is larger than ${maxBodyBytes} bytes`);
    if (bytes === "too-slow") return refuse(408, "slow-body", `The body did not arrive within ${bodyTimeoutMs} ms`);
    let notification: unknown;
    try {
      notification = JSON.parse(decoder.decode(bytes));
    } catch {
      return refuse(400, "not-json", "The body is not JSON");
    }
    if (notification === null || typeof notification !== "object" || Array.isArray(notification))
      return refuse(400, "not-json", "The body is not a JSON object");
    if (typeof webhookUrlToken === "function") {
      let allowed: boolean;
      try {
        allowed = await authorized(authorization, notification);
      } catch (error) {
        return refuse(503, "token-lookup", "The webhookUrlToken function failed; GREEN-API will resend", error);
      }
      if (!allowed) return unauthorized();
    }

    const delivery: Delivery = { violations: violationsOf(notification), key: keyOf(notification) };
    const { key } = delivery;
    if (store && key !== undefined) {
      let claim: Awaited<ReturnType<DedupStore["claim"]>>;
      try {
        claim = await store.claim(key);
      } catch (error) {
        return refuse(503, "store", "The de-duplication store failed; GREEN-API will resend", error, key);
      }
      if (claim === "done") return ok("Already handled");
      if (claim === "busy")
        return {
          ...refuse(503, "in-progress", "Being handled by another receiver; GREEN-API will resend", undefined, key),
          headers: { "Retry-After": "60", "Content-Type": "text/plain; charset=utf-8" },
        };
    }
    try {
      if ((await withDeadline(dispatch(notification as Notification, delivery), handlerTimeoutMs)) === "late") {
        // Answered before GREEN-API gives up (180 s); the claim is freed, so its resend is dispatched again.
        if (store && key !== undefined) await settle(() => store.release(key), key);
        return refuse(
          503,
          "timeout",
          `Handlers took longer than ${handlerTimeoutMs} ms; GREEN-API will resend`,
          undefined,
          key,
        );
      }
    } catch (error) {
      if (store && key !== undefined) await settle(() => store.release(key), key);
      return refuse(500, "handler", "A handler failed; GREEN-API will resend", error, key);
    }
    if (store && key !== undefined) await settle(() => store.complete(key), key);
    return ok("OK");
  }

  const unauthorized = () => refuse(401, "unauthorized", "Missing or wrong webhookUrlToken");
  const ok = (text: string): Answer => ({
    status: 200,
    text: `${text}\n`,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });

  /** A store that fails after the handlers succeeded: the notification was handled, so 200 anyway, and reported. */
  async function settle(step: () => unknown, key: string) {
    try {
      await step();
    } catch (error) {
      report(
        onError,
        webhookError(200, "store", "The de-duplication store failed after the notification was handled", error, key),
      );
    }
  }

  async function dispatch(notification: Notification, delivery: Delivery) {
    const type = (notification as { typeWebhook?: unknown }).typeWebhook;
    const chosen = [
      ...((typeof type === "string" && handlers.get(type)) || []),
      ...anyHandlers,
    ] as Handler<Notification>[];
    // Every handler runs; any one failing fails the delivery (GREEN-API resends it to all of them).
    const settled = await Promise.allSettled(chosen.map(async (handler) => handler(notification, delivery)));
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) throw failed.reason;
  }

  const receiver: WebhookReceiver = {
    on(typeWebhook, handler) {
      if (!(webhookTypes as readonly string[]).includes(typeWebhook))
        throw new TypeError(`${JSON.stringify(typeWebhook)} is not a typeWebhook of the spec: use onAny for it`);
      if (typeof handler !== "function") throw new TypeError("a handler must be a function");
      handlers.set(typeWebhook, [...(handlers.get(typeWebhook) ?? []), handler as Handler<never>]);
      return receiver;
    },
    onAny(handler) {
      if (typeof handler !== "function") throw new TypeError("a handler must be a function");
      anyHandlers.push(handler);
      return receiver;
    },
    async fetch(request) {
      const answer = await handle({
        method: request.method,
        header: (name) => request.headers.get(name) ?? undefined,
        body: (limit, ms) => readStream(request.body, limit, ms),
      });
      return new Response(answer.text, { status: answer.status, headers: answer.headers });
    },
    async node(req, res) {
      const answer = await handle({
        method: req.method ?? "",
        header: (name) => {
          const value = req.headers[name];
          return Array.isArray(value) ? value.join(", ") : value;
        },
        body: (limit, ms) => readNode(req, limit, ms),
      });
      // One head with its length and the body in one write (no chunked encoding). A body left
      // unread (refused early, too large, too slow) closes the connection rather than draining it.
      const body = encoder.encode(answer.text);
      const headers = { ...answer.headers, "Content-Length": String(body.byteLength) };
      res.writeHead(answer.status, req.readableEnded ? headers : { ...headers, Connection: "close" }).end(body);
    },
  };
  return receiver;
}

/**
 * Compares the token given with the one expected in time that depends only on the length given
 * (the sender's), never on the expected token nor on where the two differ. Plain code, so it
 * runs alike in Node, Workers, Deno, Bun and browsers (node:crypto's timingSafeEqual does not).
 */
function sameToken(given: string, expected: string): boolean {
  let difference = given.length ^ expected.length;
  for (let i = 0; i < given.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i % expected.length);
  return difference === 0;
}

async function readStream(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  ms: number,
): Promise<Uint8Array | "too-large" | "too-slow"> {
  const slow = new AbortController();
  const timer = setTimeout(() => slow.abort(), ms);
  try {
    const read = await readBytes(body, limit, slow.signal);
    return "bytes" in read ? read.bytes : "too-large";
  } catch (error) {
    if (slow.signal.aborted) return "too-slow";
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function readNode(req: NodeRequest, limit: number, ms: number): Promise<Uint8Array | "too-large" | "too-slow"> {
  // Express with a body parser has read the body already: express.raw() leaves bytes,
  // express.text() a string, express.json() the parsed value (written out again here).
  if (req.readableEnded) {
    const { body } = req;
    const bytes =
      body instanceof Uint8Array
        ? body
        : encoder.encode(typeof body === "string" ? body : (JSON.stringify(body) ?? ""));
    return Promise.resolve(bytes.byteLength > limit ? "too-large" : bytes);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<Uint8Array | "too-large" | "too-slow">((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    // A sender that stalls is answered (and its connection closed) instead of holding it open.
    timer = setTimeout(() => resolve("too-slow"), ms);
    req.on("data", (chunk) => {
      if (size > limit) return;
      size += chunk.byteLength;
      if (size > limit) resolve("too-large");
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(joinBytes(chunks, size)));
    req.on("error", reject);
  }).finally(() => clearTimeout(timer));
}

/** `done` when `work` settles within `ms`, `late` otherwise (its later outcome is ignored); a rejection passes through. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<"done" | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  work.catch(() => {}); // a rejection after the deadline is not unhandled
  try {
    return await Promise.race([work.then(() => "done" as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The value a JSON Pointer (RFC 6901) names in a parsed body, own properties only. */
function at(value: unknown, pointer: string): unknown {
  for (const token of pointer.split("/").slice(1)) {
    if (value === null || typeof value !== "object") return undefined;
    const name = token.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

const keyPointers = dedupKeys as Record<string, readonly string[] | undefined>;

/** `typeWebhook:value:value…` from the pointers the spec gives its type; none when a value is missing. */
function keyOf(notification: object): string | undefined {
  const type = (notification as { typeWebhook?: unknown }).typeWebhook;
  const pointers = typeof type === "string" && Object.hasOwn(keyPointers, type) ? keyPointers[type] : undefined;
  if (!pointers) return undefined;
  const parts = [type as string];
  for (const pointer of pointers) {
    const value = at(notification, pointer);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return undefined;
    // A number JSON.parse may have rounded (an id beyond 2^53 − 1, 1e400, a fraction; the spec's
    // key numbers are integers) could merge two notifications' keys: no key, so it is dispatched.
    if (typeof value === "number" && !Number.isSafeInteger(value)) return undefined;
    parts.push(String(value));
  }
  return parts.map(encodeURIComponent).join(":");
}

const validators = webhookValidators as Record<string, Validator | undefined>;

/** A known type is checked against its own schema alone (so only its own rules are listed), any other against the open fallback. */
function violationsOf(notification: object): Violation[] {
  const type = (notification as { typeWebhook?: unknown }).typeWebhook;
  const validate =
    (typeof type === "string" && Object.hasOwn(validators, type) && validators[type]) || validateNotification;
  return check(validate, notification, "body", "the notification");
}

function webhookError(
  status: number,
  reason: WebhookError["reason"],
  message: string,
  cause?: unknown,
  key?: string,
): WebhookError {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as WebhookError;
  error.name = "WebhookError";
  return Object.assign(error, { status, reason }, key === undefined ? {} : { key });
}

function report(onError: (error: WebhookError) => void, error: WebhookError) {
  try {
    onError(error);
  } catch {
    // a throwing onError must not change the answer GREEN-API gets
  }
}
